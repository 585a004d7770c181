package prcomment

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeGitHub serves the three issue-comment endpoints qreview uses, for
// one pull request, keeping its comments in memory. Comments come 2 per
// page so that the search has to follow the Link header.
type fakeGitHub struct {
	mu       sync.Mutex
	comments []map[string]any
	requests []string
	auth     []string
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = append(g.requests, r.Method+" "+r.URL.Path)
	g.auth = append(g.auth, r.Header.Get("Authorization"))
	var in struct{ Body string }
	json.NewDecoder(r.Body).Decode(&in)
	switch {
	case r.Method == "GET" && r.URL.Path == "/repos/acme/shop/issues/7/comments":
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		page = max(page, 1)
		from, to := min(2*(page-1), len(g.comments)), min(2*page, len(g.comments))
		if to < len(g.comments) {
			w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?page=%d>; rel="next"`, r.Host, r.URL.Path, page+1))
		}
		json.NewEncoder(w).Encode(g.comments[from:to])
	case r.Method == "POST" && r.URL.Path == "/repos/acme/shop/issues/7/comments":
		id := 100 + len(g.comments)
		cm := map[string]any{"id": id, "body": in.Body, "html_url": fmt.Sprintf("https://github.test/acme/shop/pull/7#issuecomment-%d", id)}
		g.comments = append(g.comments, cm)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(cm)
	case r.Method == "PATCH" && strings.HasPrefix(r.URL.Path, "/repos/acme/shop/issues/comments/"):
		id, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/repos/acme/shop/issues/comments/"))
		for _, cm := range g.comments {
			if cm["id"] == id {
				cm["body"] = in.Body
				json.NewEncoder(w).Encode(cm)
				return
			}
		}
		http.NotFound(w, r)
	default:
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusTeapot)
	}
}

func TestUpsertCreatesOnceThenUpdates(t *testing.T) {
	gh := &fakeGitHub{comments: []map[string]any{
		{"id": 1, "body": "LGTM"},
		{"id": 2, "body": "please add a test"},
		{"id": 3, "body": "done"},
	}}
	srv := httptest.NewServer(gh)
	defer srv.Close()
	c, err := New(srv.URL, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	url, created, err := c.Upsert(ctx, "acme", "shop", 7, "## ❌ qreview: FAIL")
	if err != nil || !created || !strings.HasSuffix(url, "#issuecomment-103") {
		t.Fatalf("first run: url %q created %v err %v", url, created, err)
	}
	url, created, err = c.Upsert(ctx, "acme", "shop", 7, "## ✅ qreview: PASS")
	if err != nil || created || !strings.HasSuffix(url, "#issuecomment-103") {
		t.Fatalf("second run: url %q created %v err %v", url, created, err)
	}

	if len(gh.comments) != 4 {
		t.Fatalf("%d comments, want the 3 there were and one of qreview's", len(gh.comments))
	}
	if body := gh.comments[3]["body"]; body != Marker+"\n## ✅ qreview: PASS" {
		t.Errorf("comment body %q, want the second report under the marker", body)
	}
	want := []string{
		"GET /repos/acme/shop/issues/7/comments", "GET /repos/acme/shop/issues/7/comments",
		"POST /repos/acme/shop/issues/7/comments",
		"GET /repos/acme/shop/issues/7/comments", "GET /repos/acme/shop/issues/7/comments",
		"PATCH /repos/acme/shop/issues/comments/103",
	}
	if strings.Join(gh.requests, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(gh.requests, "\n"), strings.Join(want, "\n"))
	}
	for _, a := range gh.auth {
		if a != "Bearer s3cret" {
			t.Errorf("Authorization %q", a)
		}
	}
}

func TestUpsertReportsWhatFailed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message": "Resource not accessible by integration"}`, http.StatusForbidden)
	}))
	defer srv.Close()
	c, _ := New(srv.URL+"/", "t")
	_, _, err := c.Upsert(context.Background(), "acme", "shop", 7, "x")
	if err == nil || !strings.Contains(err.Error(), "acme/shop#7") || !strings.Contains(err.Error(), "403") {
		t.Errorf("error %v, want one naming the pull request and the 403", err)
	}
}
