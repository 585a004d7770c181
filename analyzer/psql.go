package analyzer

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// A migration may be a psql script: pg_dump output (a common squashed
// base) or a file its project runs with psql. Such files hold psql's own
// commands, lines that start with a backslash, which psql runs itself
// and never sends to the server, and COPY … FROM stdin statements whose
// data rows follow them in the file up to a line "\.".
//
// Meta-command lines are blanked (newlines kept, so positions stay those
// of the file). Those that only talk to the client are skipped; those
// that change what would be applied, and that qreview cannot follow, are
// an error naming the line. A COPY's data rows are taken out of the SQL
// and kept on the statement (Statement.CopyData) to be loaded with COPY
// FROM STDIN, as psql does.

// psqlSkipped are meta-commands with no effect on what reaches the
// database: pg_dump's \restrict/\unrestrict (15.14, 16.10, 17.6 and
// later), variables, output and display settings, describe commands.
var psqlSkipped = map[string]bool{
	"restrict": true, "unrestrict": true,
	"set": true, "unset": true, "setenv": true, "getenv": true, "prompt": true,
	"pset": true, "echo": true, "qecho": true, "warn": true, "timing": true,
	"encoding": true, "x": true, "a": true, "t": true, "T": true, "f": true, "H": true,
	"o": true, "out": true, "C": true, "conninfo": true, "cd": true, "errverbose": true,
	"l": true, "list": true, "z": true, "sf": true, "sv": true, "lo_list": true,
}

// psqlRefused are meta-commands that run something qreview cannot see or
// follow, with what to do instead.
var psqlRefused = map[string]string{
	"i":                "qreview reads each file on its own: put the included file's SQL here, or list it as a migration",
	"include":          "qreview reads each file on its own: put the included file's SQL here, or list it as a migration",
	"ir":               "qreview reads each file on its own: put the included file's SQL here, or list it as a migration",
	"include_relative": "qreview reads each file on its own: put the included file's SQL here, or list it as a migration",
	"if":               "qreview does not evaluate psql conditionals: keep the branch that production runs",
	"elif":             "qreview does not evaluate psql conditionals: keep the branch that production runs",
	"else":             "qreview does not evaluate psql conditionals: keep the branch that production runs",
	"endif":            "qreview does not evaluate psql conditionals: keep the branch that production runs",
	"gexec":            "its result rows are run as SQL that the file does not show: write those statements out",
	"copy":             "it reads a file on the client: write COPY … FROM stdin with the rows inline, or INSERT them",
	"!":                "it runs a shell command",
	"lo_import":        "it reads a file on the client",
	"lo_export":        "it writes a file on the client",
	"lo_unlink":        "it changes large objects outside the SQL qreview reads",
	"bind":             "write the statement with its values instead",
}

// psqlScript is a migration's text once psql's own commands are taken out.
type psqlScript struct {
	sql    string // the text with meta-command lines and COPY data blanked
	copies []copyBlock
	// onErrorStop: "\set ON_ERROR_STOP on" before the first statement;
	// psql then stops at the first failing statement.
	onErrorStop bool
}

// copyBlock is the inline data of a COPY … FROM stdin.
type copyBlock struct {
	stmtEnd            int // just past the COPY statement's semicolon
	rows               string
	dataStart, dataEnd int // the data lines, "\." line included
}

// scriptError is a meta-command qreview refuses, at Offset in the file.
type scriptError struct {
	Offset  int
	Message string
}

// readPsqlScript takes psql's meta-commands and COPY data out of src.
func readPsqlScript(src string) (psqlScript, *scriptError) {
	out := []byte(src)
	var script psqlScript
	statements := 0
	stmtStart := 0
	for i := 0; i < len(src); {
		if i == 0 || src[i-1] == '\n' {
			j := i
			for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
				j++
			}
			if at(src, j) == '\\' {
				eol := lineEnd(src, j)
				cmd, args := metaCommand(src[j+1 : eol])
				blankSpan(out, i, eol)
				switch {
				case cmd == "q" || cmd == "quit":
					blankSpan(out, eol, len(src)) // psql reads no further
					script.sql = string(out)
					return script, nil
				case cmd == "g" || cmd == "gx" || cmd == "gset":
					out[j] = ';' // sends the statement typed so far, as ";" does
					statements++
					stmtStart = eol
				case cmd == "set" && statements == 0 && strings.EqualFold(firstWord(args), "ON_ERROR_STOP"):
					script.onErrorStop = psqlBool(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(args), firstWord(args))))
				case cmd == "c" || cmd == "connect":
					if db := firstWord(args); db != "" && db != "-" {
						return script, &scriptError{Offset: j, Message: fmt.Sprintf("psql meta-command \\%s %s: qreview reviews one database; "+
							"keep only the SQL for the reviewed database in this migration (move the rest to that database's own migrations)", cmd, db)}
					}
				case psqlSkipped[cmd] || strings.HasPrefix(cmd, "d"):
				default:
					why, refused := psqlRefused[cmd]
					if !refused {
						why = "qreview reads SQL and skips only psql's client-side commands (\\restrict, \\unrestrict, \\set, \\connect to the same database, \\echo, …)"
					}
					return script, &scriptError{Offset: j, Message: fmt.Sprintf("psql meta-command \\%s: %s; remove it from the migration", cmd, why)}
				}
				i = eol
				continue
			}
		}
		if stop := skipRegion(src, i); stop >= 0 {
			i = stop
			continue
		}
		if src[i] != ';' {
			i++
			continue
		}
		statements++
		next := i + 1
		if isCopyFromStdin(string(out[stmtStart:next])) {
			block := copyData(src, next)
			blankSpan(out, block.dataStart, block.dataEnd)
			script.copies = append(script.copies, block)
			next = block.dataEnd
		}
		i, stmtStart = next, next
	}
	script.sql = string(out)
	return script, nil
}

// copyData reads the rows that follow a COPY … FROM stdin whose
// semicolon ends just before stmtEnd: from the next line to a line "\."
// (or the end of the file, where psql stops too).
func copyData(src string, stmtEnd int) copyBlock {
	start := lineEnd(src, stmtEnd)
	if start < len(src) {
		start++
	}
	block := copyBlock{stmtEnd: stmtEnd, dataStart: start, dataEnd: len(src)}
	for line := start; line < len(src); {
		eol := lineEnd(src, line)
		if strings.TrimRight(src[line:eol], "\r") == `\.` {
			block.rows, block.dataEnd = src[start:line], eol
			return block
		}
		line = eol + 1
	}
	block.rows = src[start:]
	return block
}

// isCopyFromStdin: stmt is one COPY that reads its rows from the client.
func isCopyFromStdin(stmt string) bool {
	i := skipSpace(stmt, 0)
	if !strings.EqualFold(stmt[i:identEnd(stmt, i)], "copy") {
		return false
	}
	tree, err := pg_query.Parse(stmt)
	if err != nil || len(tree.Stmts) != 1 {
		return false
	}
	c := tree.Stmts[0].Stmt.GetCopyStmt()
	return c != nil && c.IsFrom && !c.IsProgram && c.Filename == ""
}

// metaCommand splits a meta-command line (after its backslash) into the
// command and its arguments. "\x", "\copy", "\!" and "\." all count.
func metaCommand(line string) (cmd, args string) {
	n := identEnd(line, 0)
	if n == 0 && line != "" {
		n = 1 // a command of one punctuation character
	}
	return line[:n], line[n:]
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// psqlBool reads a psql boolean variable's value; "\set X" with no value
// sets it on.
func psqlBool(v string) bool {
	v = strings.ToLower(strings.Trim(v, `'"`))
	switch v {
	case "", "on", "true", "yes", "1", "t", "y":
		return true
	}
	return false
}

func lineEnd(src string, i int) int {
	if n := strings.IndexByte(src[i:], '\n'); n >= 0 {
		return i + n
	}
	return len(src)
}

// blankSpan turns out[from:to] into spaces, newlines kept.
func blankSpan(out []byte, from, to int) {
	for k := from; k < to; k++ {
		if out[k] != '\n' {
			out[k] = ' '
		}
	}
}
