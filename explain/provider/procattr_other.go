//go:build !linux

package provider

import "syscall"

// childAttr puts a server process in its own process group, so a Ctrl-C
// at the terminal reaches qreview (which cleans up) and not the server.
func childAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Credential: cred}
}
