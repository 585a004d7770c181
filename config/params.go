package config

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/qreview/qreview/analyzer"
)

// paramKey names a parameter under params.<query>: $1, or the name the
// query gives it (@id, sqlc.arg(id)) as "@id" (quoted: YAML reserves @)
// or id.
var paramKey = regexp.MustCompile(`^(\$[1-9][0-9]*|@?[A-Za-z_][A-Za-z0-9_$]*)$`)

// checkPlanning validates the planning keys that need no SQL.
func (c *Config) checkPlanning() error {
	switch c.PlanCacheMode {
	case "auto", "force_generic_plan", "force_custom_plan":
	default:
		return fmt.Errorf("plan_cache_mode: %q: use auto, force_generic_plan or force_custom_plan", c.PlanCacheMode)
	}
	if c.PageSize < 1 || c.PageOffset < 0 {
		return fmt.Errorf("page_size must be at least 1 and page_offset at least 0")
	}
	for name, values := range c.Params {
		for key := range values {
			if !paramKey.MatchString(key) {
				return fmt.Errorf("params.%s: %q: name parameters $1, $2, … or by the name the query gives them (id or \"@id\")", name, key)
			}
		}
	}
	return nil
}

// PinnedParams are the values config and inline directives pin for st's
// parameters, and where they come from. Config pins a query by its name,
// each parameter by number ($1) or by its name in the query (id, "@id");
// an inline "-- qreview:params" directive wins over it. A pinned
// parameter the statement does not have is an error naming the query.
func (c *Config) PinnedParams(st *analyzer.Statement) (map[int]*string, string, error) {
	pinned := map[int]*string{}
	by := ""
	if values, ok := c.Params[st.Name]; ok && st.Name != "" {
		by = orPath(c.Path) + " (params." + st.Name + ")"
		for _, key := range sortedKeys(values) {
			n, err := st.ParamNumber(key)
			if err != nil {
				return nil, "", fmt.Errorf("%s: params.%s.%s: %s:%d: %w", orPath(c.Path), st.Name, key, st.File, st.Line, err)
			}
			pinned[n] = values[key]
		}
	}
	inline, err := st.PinnedParams()
	if err != nil {
		return nil, "", err
	}
	if len(inline) > 0 {
		if len(pinned) > 0 {
			by = "the qreview:params directive and " + by
		} else {
			by = "the qreview:params directive"
		}
	}
	for n, v := range inline {
		pinned[n] = v
	}
	return pinned, by, nil
}

// UnknownParamQueries lists the names under params: that name no query.
func (c *Config) UnknownParamQueries(queries []*analyzer.Statement) []string {
	known := map[string]bool{}
	for _, q := range queries {
		known[q.Name] = true
	}
	var unknown []string
	for name := range c.Params {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	return unknown
}

func sortedKeys(m map[string]*string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func orPath(p string) string {
	if p == "" {
		return FileName
	}
	return p
}
