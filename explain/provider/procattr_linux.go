package provider

import "syscall"

// childAttr puts a server process in its own process group, so a Ctrl-C
// at the terminal reaches qreview (which cleans up) and not the server
// mid-flight, and has the kernel kill it if qreview itself is killed.
func childAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
}
