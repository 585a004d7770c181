package explain

import (
	"fmt"

	"github.com/qreview/qreview/analyzer"
)

// NotApplied is the error of a statement its tool never ran: an earlier
// statement of its file failed, and the tool stopped there.
type NotApplied struct {
	Failed *analyzer.Statement
	Tool   string
}

func (e *NotApplied) Error() string {
	return fmt.Sprintf("not applied: %s:%d failed before it and %s stops there, its transaction rolled back",
		e.Failed.File, e.Failed.Line, e.Tool)
}

// SandboxLimit is a server error production would not give: it comes from
// applying the whole change in one transaction that is never committed.
// Show it as a limit of the review, not a finding about the SQL.
type SandboxLimit struct {
	Server *SQLError
	Why    string
}

func (e *SandboxLimit) Error() string { return e.Server.Message + " (" + e.Why + ")" }
func (e *SandboxLimit) Unwrap() error { return e.Server }

// sandboxLimit marks the errors that come from the review's single
// transaction: an enum value added by an earlier file, committed before
// this one in production, cannot be used before the commit.
func (a *applier) sandboxLimit(err error) error {
	sqlErr, ok := err.(*SQLError)
	if ok && sqlErr.Code == "55P04" && a.enumValuesAdded {
		return &SandboxLimit{Server: sqlErr, Why: "not so in production: an earlier migration added the value and its transaction commits first; " +
			"qreview applies the change in one transaction it never commits, where a new enum value cannot be used"}
	}
	return err
}
