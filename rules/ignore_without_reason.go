package rules

import (
	"fmt"
	"strings"
)

var ignoreWithoutReason = &Rule{
	ID:       "ignore-without-reason",
	Severity: Warning,
	Summary:  "a qreview:ignore directive gives no reason or names an unknown rule",
	Doc: `An inline directive silences a rule on one statement:

    -- qreview:ignore seq-scan-large-table the nightly report runs on a replica
    SELECT … FROM payments;

It goes in the comments directly above the statement or on the statement's last
line, and may name several rules separated by commas. A directive must say why:
the next person to touch the query needs to know whether the reason still holds.
A directive without a reason, or one naming a rule qreview does not have (a typo
silences nothing and hides that it does), is reported by this rule and
suppresses nothing.

Fix: write the reason after the rule IDs, or correct the rule ID (qreview rules
lists them).`,
	Check: func(in *Input, _ Options) []Finding {
		var out []Finding
		for _, ig := range in.ignores {
			if p := ig.Problem; p != "" {
				out = append(out, Finding{
					Message:    fmt.Sprintf("line %d: %s %s; it suppresses nothing", ig.Line, strings.TrimSpace(ignorePrefix+" "+strings.Join(ig.Rules, ",")), p),
					Suggestion: "-- qreview:ignore rule-id why the finding does not apply here",
					Evidence:   map[string]any{"line": ig.Line, "rules": ig.Rules},
				})
			}
		}
		return out
	},
}
