// Command composeload loads compose files the way `docker compose` does and
// prints the resolved project, or the loader's error and exit status 1.
//
// It uses compose-go, the loader inside docker compose v2, with the same
// option order as the compose CLI: the OS environment (with -os-env), then
// each -env-file in turn (an earlier source wins), interpolation including
// ${VAR:?message} guards, type conversion, normalisation, consistency checks
// and the project-name precedence (-p, then COMPOSE_PROJECT_NAME, then `name:`
// in the file, then the working directory's name).
//
//	composeload [-os-env] [-env-file FILE]... [-p NAME] [-format json|yaml] FILE...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

type fileList []string

func (f *fileList) String() string     { return fmt.Sprint(*f) }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var envFiles fileList
	flag.Var(&envFiles, "env-file", "an env file, as `docker compose --env-file` (repeatable)")
	osEnv := flag.Bool("os-env", false, "let the process environment take precedence, as docker compose does")
	name := flag.String("p", "", "project name, as `docker compose -p`")
	format := flag.String("format", "json", "output format: json or yaml")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "composeload: give at least one compose file")
		os.Exit(2)
	}

	options := []cli.ProjectOptionsFn{cli.WithWorkingDirectory(filepath.Dir(flag.Arg(0)))}
	if *osEnv {
		options = append(options, cli.WithOsEnv)
	}
	options = append(options, cli.WithEnvFiles(envFiles...), cli.WithDotEnv, cli.WithName(*name))
	projectOptions, err := cli.NewProjectOptions(flag.Args(), options...)
	if err != nil {
		fail(err)
	}
	project, err := projectOptions.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	var out []byte
	switch *format {
	case "json":
		out, err = project.MarshalJSON()
	case "yaml":
		out, err = project.MarshalYAML()
	default:
		err = fmt.Errorf("unknown format %q", *format)
	}
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
	fmt.Println()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
