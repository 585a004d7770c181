package review

import (
	"fmt"
	"sort"

	"github.com/qreview/qreview/analyzer"
	"github.com/qreview/qreview/config"
	"github.com/qreview/qreview/rules"
)

// trafficFor gives each query the calls per second the config's services
// make of it, by query name. A name no reviewed query has is an error at
// its config line: a typo would otherwise switch the check off unseen.
func trafficFor(cfg *config.Config, queries []*analyzer.Statement) (map[*analyzer.Statement][]rules.Traffic, error) {
	byName := map[string][]*analyzer.Statement{}
	for _, st := range queries {
		if st.Name != "" {
			byName[st.Name] = append(byName[st.Name], st)
		}
	}
	services := make([]string, 0, len(cfg.Services))
	for name := range cfg.Services {
		services = append(services, name)
	}
	sort.Strings(services)
	out := map[*analyzer.Statement][]rules.Traffic{}
	for _, svc := range services {
		s := cfg.Services[svc]
		names := make([]string, 0, len(s.Traffic.Calls))
		for name := range s.Traffic.Calls {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			sts := byName[name]
			if len(sts) == 0 {
				return nil, fmt.Errorf("%s:%d: services.%s.traffic: no reviewed query is named %s (names come from sqlc's \"-- name: %s :many\" comments; check the paths and include/exclude)",
					cfg.Path, s.Traffic.Lines[name], svc, name, name)
			}
			for _, st := range sts {
				out[st] = append(out[st], rules.Traffic{Service: svc, CallsPerSecond: s.Traffic.Calls[name], PoolSize: s.Pool.Size})
			}
		}
	}
	return out, nil
}
