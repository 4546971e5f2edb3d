// Managed by integration-harness: `copier update` rewrites this file.

package harness

// The managed-files check, run by Main before anything else.
//
// tests/integration/managed-files.sha256 holds the sha256 of every managed file
// as the template wrote it (sha256sum -c format, paths from the project root).
// A file that differs is a warning: `copier update` merges the template's changes
// into it and can leave conflict markers. A missing file, a file holding conflict
// markers or a .rej file next to one stops the run with one message naming the
// files and the command that restores them.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ManifestName is the managed-files manifest in the integration folder.
const ManifestName = "managed-files.sha256"

const (
	integrationPath = "tests/integration"
	restorePrefix   = "# restore: "
	restoreHelp     = "README of integration-harness, section 'Restoring managed files'"
)

var (
	conflictMarker = regexp.MustCompile(`(?m)^(<{7} |>{7} |<{7}$|>{7}$)`)
	manifestEntry  = regexp.MustCompile(`^([0-9a-f]{64}) [ *](.+)$`)
)

// ManagedReport is what differs between the managed files and the manifest.
type ManagedReport struct {
	Edited, Missing, Conflicted []string
	MovedFrom                   string
	Restore                     string
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

func hasConflictMarkers(path string) bool {
	content, err := os.ReadFile(path)
	return err == nil && conflictMarker.Match(content)
}

// matches is true when content is what the template wrote (also checked out with CRLF).
func matches(content []byte, digest string) bool {
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	if sum(content) == digest {
		return true
	}
	return bytes.Contains(content, []byte("\r\n")) && sum(bytes.ReplaceAll(content, []byte("\r\n"), []byte("\n"))) == digest
}

// CheckManagedFiles compares the managed files of integrationDir with the manifest; nil without one.
func CheckManagedFiles(integrationDir string) *ManagedReport {
	manifest := filepath.Join(integrationDir, ManifestName)
	if !isFile(manifest) {
		return nil
	}
	root := ProjectRoot(integrationDir)
	report := &ManagedReport{}
	shownDir := integrationDir
	if inside, err := filepath.Rel(root, integrationDir); err == nil && !strings.HasPrefix(inside, "..") {
		shownDir = filepath.ToSlash(inside)
	}
	if shownDir != integrationPath {
		report.MovedFrom = shownDir
	}
	if hasConflictMarkers(manifest) {
		report.Conflicted = append(report.Conflicted, shownDir+"/"+ManifestName)
		return report
	}
	content, _ := os.ReadFile(manifest)
	for _, line := range strings.Split(string(content), "\n") {
		if strings.HasPrefix(line, restorePrefix) {
			report.Restore = strings.TrimRight(strings.TrimPrefix(line, restorePrefix), " \r")
		}
		entry := manifestEntry.FindStringSubmatch(line)
		if entry == nil {
			continue
		}
		name := entry[2]
		path, shown := filepath.Join(root, name), name
		if rest, ok := strings.CutPrefix(name, integrationPath+"/"); ok {
			path, shown = filepath.Join(integrationDir, rest), shownDir+"/"+rest
		}
		if !isFile(path) {
			report.Missing = append(report.Missing, shown)
		} else if hasConflictMarkers(path) || isFile(path+".rej") {
			report.Conflicted = append(report.Conflicted, shown)
		} else if data, err := os.ReadFile(path); err != nil || !matches(data, entry[1]) {
			report.Edited = append(report.Edited, shown)
		}
	}
	return report
}

// StopMessage is one message naming every broken file and the fix.
func StopMessage(report *ManagedReport) string {
	var problems []string
	for _, name := range report.Conflicted {
		problems = append(problems, name+": conflict markers from `copier update`")
	}
	for _, name := range report.Missing {
		problems = append(problems, name+": missing")
	}
	restore := report.Restore
	if restore == "" {
		restore = "copier recopy (see below)"
	}
	return "integration-harness: managed files are broken, no test was run:\n  - " +
		strings.Join(problems, "\n  - ") +
		"\n  fix: resolve the conflicts by hand (keep your lines and the template's, drop the" +
		" <<<<<<< ======= >>>>>>> lines), or restore every managed file as the template wrote it:" +
		"\n    " + restore +
		"\n    (see the " + restoreHelp + "); then move your changes to your own files."
}

// ManagedWarnings is one line per thing that works today but will not survive an update.
func ManagedWarnings(report *ManagedReport) []string {
	var lines []string
	if len(report.Edited) > 0 {
		lines = append(lines, "integration-harness: warning: managed files differ from what the template wrote: "+
			strings.Join(report.Edited, ", ")+". `copier update` merges into them and can leave conflict markers; put"+
			" changes in your own files instead (.env.test.local, compose.test.override.yaml, your own helpers).")
	}
	if report.MovedFrom != "" {
		lines = append(lines, fmt.Sprintf("integration-harness: warning: the harness runs from %s, but"+
			" `copier update` only updates %s: move the folder back (git mv %s %s).",
			report.MovedFrom, integrationPath, report.MovedFrom, integrationPath))
	}
	return lines
}

// checkManaged prints the warnings; the stop message and false when files are missing or conflicted.
func checkManaged() (string, bool) {
	report := CheckManagedFiles(IntegrationDir())
	if report == nil {
		return "", true
	}
	if len(report.Missing) > 0 || len(report.Conflicted) > 0 {
		return StopMessage(report), false
	}
	for _, line := range ManagedWarnings(report) {
		fmt.Fprintln(os.Stderr, line)
	}
	return "", true
}
