package format

import "testing"

func TestCount(t *testing.T) {
	tests := map[float64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1234567.8: "1,234,568", -98765: "-98,765", 100000: "100,000"}
	for n, want := range tests {
		if got := Count(n); got != want {
			t.Errorf("Count(%v) = %q, want %q", n, got, want)
		}
	}
}

func TestNumber(t *testing.T) {
	tests := map[float64]string{0: "0", 100000: "100,000", 0.6: "0.6", 1.5: "1.5", -0.25: "-0.25"}
	for n, want := range tests {
		if got := Number(n); got != want {
			t.Errorf("Number(%v) = %q, want %q", n, got, want)
		}
	}
}
