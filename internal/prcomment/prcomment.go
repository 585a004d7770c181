// Package prcomment keeps one qreview comment on a pull request: created on
// the first run, edited on every later one, so that a pull request pushed
// ten times carries one up-to-date report rather than ten.
package prcomment

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/go-github/v82/github"
)

// Marker is the hidden line that identifies qreview's comment among the
// others on a pull request.
const Marker = "<!-- qreview -->"

// MaxBody is GitHub's limit on a comment body, in characters.
const MaxBody = 65536

// Client talks to the GitHub REST API through go-github.
type Client struct {
	gh *github.Client
}

// New makes a client for the API at apiURL (GITHUB_API_URL: on github.com
// https://api.github.com, on GitHub Enterprise Server https://HOST/api/v3),
// authenticated with token.
func New(apiURL, token string) (*Client, error) {
	if apiURL == "" {
		apiURL = "https://api.github.com"
	}
	base, err := url.Parse(strings.TrimSuffix(apiURL, "/") + "/")
	if err != nil {
		return nil, fmt.Errorf("GitHub API URL %q: %w", apiURL, err)
	}
	gh := github.NewClient(nil).WithAuthToken(token)
	gh.BaseURL = base // as given: WithEnterpriseURLs would append /api/v3/
	return &Client{gh: gh}, nil
}

// Upsert puts body on pull request number of owner/repo: it edits the
// comment that carries Marker, or creates one. It returns the comment's
// URL and whether it was created.
func (c *Client) Upsert(ctx context.Context, owner, repo string, number int, body string) (string, bool, error) {
	body = Marker + "\n" + body
	existing, err := c.find(ctx, owner, repo, number)
	if err != nil {
		return "", false, err
	}
	if existing != 0 {
		cm, _, err := c.gh.Issues.EditComment(ctx, owner, repo, existing, &github.IssueComment{Body: &body})
		if err != nil {
			return "", false, fmt.Errorf("update the comment on %s/%s#%d: %w", owner, repo, number, err)
		}
		return cm.GetHTMLURL(), false, nil
	}
	cm, _, err := c.gh.Issues.CreateComment(ctx, owner, repo, number, &github.IssueComment{Body: &body})
	if err != nil {
		return "", false, fmt.Errorf("comment on %s/%s#%d: %w", owner, repo, number, err)
	}
	return cm.GetHTMLURL(), true, nil
}

// find returns the ID of the first comment with Marker, 0 if none; it
// reads every page, as a busy pull request has more than one.
func (c *Client) find(ctx context.Context, owner, repo string, number int) (int64, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		comments, resp, err := c.gh.Issues.ListComments(ctx, owner, repo, number, opts)
		if err != nil {
			return 0, fmt.Errorf("list the comments on %s/%s#%d: %w", owner, repo, number, err)
		}
		for _, cm := range comments {
			if strings.Contains(cm.GetBody(), Marker) {
				return cm.GetID(), nil
			}
		}
		if resp.NextPage == 0 {
			return 0, nil
		}
		opts.Page = resp.NextPage
	}
}
