// Package format writes numbers the way people read them in reports.
package format

import (
	"math"
	"strconv"
)

// Count writes n rounded to a whole number with thousands separators:
// 1234567.8 → "1,234,568".
func Count(n float64) string {
	s := strconv.FormatInt(int64(math.Round(n)), 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// Number writes n like Count when it is whole, else as written: 0.6 stays
// "0.6" (a rule option's default), where Count would round it to 1.
func Number(n float64) string {
	if n == math.Trunc(n) {
		return Count(n)
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}
