package main

import (
	"fmt"
	"os"
)

// runAgent serves the JSON-lines agent protocol on stdin/stdout (not yet built).
func runAgent(args []string) int {
	fmt.Fprintln(os.Stderr, "agent: not built yet", args)
	return 2
}
