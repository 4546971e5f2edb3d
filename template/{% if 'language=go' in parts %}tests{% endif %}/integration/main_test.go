// Yours: the template created this file once and never rewrites it.

package integration

import (
	"os"
	"testing"

	"integration/harness"
)

// TestMain checks the managed files, guards and waits for every service once,
// claims what this package's tests clean, runs them, and releases the claims.
func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
