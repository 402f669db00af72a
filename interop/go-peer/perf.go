package main

import (
	"fmt"
	"os"
)

// runPerf runs a /perf/1.0.0 client or server (not yet built).
func runPerf(args []string) int {
	fmt.Fprintln(os.Stderr, "perf: not built yet", args)
	return 2
}
