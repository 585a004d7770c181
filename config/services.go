package config

import (
	"fmt"
	"sort"

	"gopkg.in/yaml.v3"
)

// Service is one instance of an application: the size of its connection
// pool and how often it calls each query through it (pool-saturation).
type Service struct {
	Pool    Pool    `yaml:"pool"`
	Traffic Traffic `yaml:"traffic"`
}

// Pool is a service's connection pool.
type Pool struct {
	Size int `yaml:"size"` // connections
}

// Traffic is calls per second by query name (sqlc's "-- name:"), with the
// config line of each entry, so that a name no query has is reported
// where it is written.
type Traffic struct {
	Calls map[string]float64
	Lines map[string]int
}

// UnmarshalYAML reads "QueryName: calls per second" pairs.
func (t *Traffic) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: traffic: give query names with their calls per second, e.g. {GetPayment: 300}", n.Line)
	}
	t.Calls, t.Lines = map[string]float64{}, map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var rate float64
		if err := v.Decode(&rate); err != nil || rate < 0 {
			return fmt.Errorf("line %d: traffic: %s: %q is not a number of calls per second (0 or more)", v.Line, k.Value, v.Value)
		}
		t.Calls[k.Value], t.Lines[k.Value] = rate, k.Line
	}
	return nil
}

// checkServices: a service with traffic needs a pool to judge it against.
func checkServices(services map[string]Service) error {
	names := make([]string, 0, len(services))
	for name := range services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if s := services[name]; s.Pool.Size <= 0 && len(s.Traffic.Calls) > 0 {
			return fmt.Errorf("services.%s.pool.size: give the size of the service's connection pool (connections, 1 or more)", name)
		}
	}
	return nil
}
