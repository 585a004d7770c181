package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/qreview/qreview/internal/format"
	"github.com/qreview/qreview/rules"
	"github.com/spf13/cobra"
)

func rulesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "rules [RULE-ID...]",
		Short: "List the rules with their documentation",
		RunE: func(cmd *cobra.Command, ids []string) error {
			list := rules.All()
			if len(ids) > 0 {
				list = nil
				for _, id := range ids {
					r := rules.Lookup(id)
					if r == nil {
						return fmt.Errorf("unknown rule %q", id)
					}
					list = append(list, r)
				}
			}
			var b strings.Builder
			for _, r := range list {
				fmt.Fprintf(&b, "%s (%s): %s\n", r.ID, r.Severity, r.Summary)
				var keys []string
				for k := range r.Options {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					fmt.Fprintf(&b, "  option %s: %s\n", k, format.Number(r.Options[k]))
				}
				b.WriteString("\n  " + strings.ReplaceAll(r.Doc, "\n", "\n  ") + "\n\n")
			}
			_, err := fmt.Fprint(cmd.OutOrStdout(), b.String())
			return err
		},
	}
}
