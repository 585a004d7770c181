package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	ita1 "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// Mismatch is a subject whose file differs from the evidence.
type Mismatch struct {
	Name string
	Want string // the digest in the evidence
	Got  string // the file's digest now; "" when it cannot be read
	Err  error  // why it cannot be read
}

// Verification is what Verify found.
type Verification struct {
	Predicate  Predicate
	Subjects   []Subject
	Mismatches []Mismatch
}

// Holds reports whether the files are those reviewed and the review passed.
func (v *Verification) Holds() bool { return len(v.Mismatches) == 0 && v.Predicate.Verdict == "pass" }

// dssePayloadType is the payload type of an in-toto statement in a DSSE
// envelope.
const dssePayloadType = "application/vnd.in-toto+json"

// Verify reads qreview evidence (the statement qreview evidence writes,
// or the DSSE envelope or Sigstore bundle actions/attest makes of it; the
// signature is not checked here: gh attestation verify does that) and
// compares each subject's digest with its file under root. An error means
// the evidence could not be read.
func Verify(data []byte, root string) (*Verification, error) {
	st, err := parseStatement(data)
	if err != nil {
		return nil, err
	}
	if st.GetPredicateType() != PredicateType {
		return nil, fmt.Errorf("predicateType %q: not qreview evidence (want %s)", st.GetPredicateType(), PredicateType)
	}
	pred, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, err
	}
	v := &Verification{}
	if err := json.Unmarshal(pred, &v.Predicate); err != nil {
		return nil, fmt.Errorf("predicate: %w", err)
	}
	for _, s := range st.GetSubject() {
		want := s.GetDigest()["sha256"]
		if want == "" || s.GetName() == "" {
			return nil, fmt.Errorf("subject %q: qreview evidence names each file with its sha256 digest", s.GetName())
		}
		v.Subjects = append(v.Subjects, Subject{Name: s.GetName(), SHA256: want})
		path := s.GetName()
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, filepath.FromSlash(path))
		}
		data, err := os.ReadFile(path)
		if err != nil {
			v.Mismatches = append(v.Mismatches, Mismatch{Name: s.GetName(), Want: want, Err: err})
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			v.Mismatches = append(v.Mismatches, Mismatch{Name: s.GetName(), Want: want, Got: got})
		}
	}
	return v, nil
}

// parseStatement reads a statement, unwrapping a DSSE envelope or a
// Sigstore bundle's.
func parseStatement(data []byte) (*ita1.Statement, error) {
	type envelope struct {
		PayloadType string `json:"payloadType"`
		Payload     []byte `json:"payload"` // base64 in the JSON
	}
	var outer struct {
		envelope
		DSSE *envelope `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(data, &outer); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	env := &outer.envelope
	if outer.DSSE != nil {
		env = outer.DSSE
	}
	if env.PayloadType != "" {
		if env.PayloadType != dssePayloadType {
			return nil, fmt.Errorf("envelope payloadType %q, want %s", env.PayloadType, dssePayloadType)
		}
		data = env.Payload
	}
	st := &ita1.Statement{}
	// Unknown fields are ignored, as the in-toto spec asks of consumers.
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("not an in-toto statement: %w", err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("in-toto statement: %w", err)
	}
	if st.GetType() != ita1.StatementTypeUri {
		return nil, errors.New("in-toto statement: _type " + st.GetType() + ", want " + ita1.StatementTypeUri)
	}
	return st, nil
}

// Report writes what verification found, one line per file that differs
// and a closing OK or FAIL line naming file (the evidence) and root; it
// returns whether the evidence holds.
func (v *Verification) Report(w io.Writer, file, root string) bool {
	for _, m := range v.Mismatches {
		if m.Err != nil {
			fmt.Fprintf(w, "%s: cannot be read (%v); the evidence has sha256 %s\n", m.Name, withoutPath(m.Err), m.Want)
			continue
		}
		fmt.Fprintf(w, "%s: changed since the review: sha256 %s in the evidence, %s now\n", m.Name, m.Want, m.Got)
	}
	p := v.Predicate
	rollback := "rollback check passed"
	if !p.Rollback.Passed {
		rollback = "rollback check: a migration has no rollback"
	}
	about := fmt.Sprintf("%d files, verdict %s (fail-on %s; %s PostgreSQL %s), %s", len(v.Subjects), p.Verdict, p.FailOn,
		p.Database.Provider, p.Database.ServerVersion, rollback)
	if v.Holds() {
		fmt.Fprintf(w, "OK: %s: the files under %s are those reviewed; %s\n", file, root, about)
		return true
	}
	var why []string
	if n := len(v.Mismatches); n > 0 {
		why = append(why, fmt.Sprintf("%d of %d files differ from those reviewed", n, len(v.Subjects)))
	}
	if p.Verdict != "pass" {
		why = append(why, "the review failed")
	}
	fmt.Fprintf(w, "FAIL: %s: %s; %s\n", file, strings.Join(why, " and "), about)
	return false
}

// withoutPath drops the path from a file error: the line names the file.
func withoutPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
