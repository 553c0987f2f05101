#!/usr/bin/env python3
"""Check that the Promela model still says what the C code says.

Every step of doc/model/bfsgil.pml names the C it stands for in a comment

    C: <file> <function>: "<C fragment>"

(<function> "-" for anywhere in the file).  This script checks that each
fragment still occurs in the body of that function, whitespace ignored,
so that a change to the C that the model does not follow fails
`make model-check` instead of passing silently.  It also checks that
every step of the model (each atomic { } block) carries such a mapping,
a "model:" note, or a call of one of the model's inlines, within the
block or in the comment lines just above it.  A function is found the
way the house style writes it: its name at the start of a line followed
by "(", its body up to the next line that is just "}".

    check-mapping.py [--srcdir DIR] [--table] MODEL...

--srcdir is the top of the source tree (default: two levels above this
script).  --table prints, instead of checking, the table of model
sections against C functions and lines that doc/model/README.md carries.
Exit status 0 if every fragment was found, 1 otherwise.  Python 3
standard library only.
"""

import argparse
import os
import re
import sys

MAPPING = re.compile(r'C: ([\w./-]+) ([\w-]+): "([^"]*)"')
# Anything that looks like a mapping but does not parse is a mistake too.
LOOKS_LIKE = re.compile(r'\bC: [\w.-]+/')
# Model sections: inline definitions, proctypes and labels.
SECTION = re.compile(r'^(?:inline\s+(\w+)|proctype\s+(\w+)|(\w+):)')


def squash(text):
    """The text without any whitespace: C statements wrap freely."""
    return re.sub(r'\s+', '', text)


class CFile:
    def __init__(self, path):
        with open(path, encoding='utf-8') as f:
            self.lines = f.read().split('\n')
        self.functions = {}
        start = None
        name = None
        for i, line in enumerate(self.lines):
            m = re.match(r'([A-Za-z_]\w*)\(', line)
            if m and name is None:
                name, start = m.group(1), i
            elif name is not None and line == '}':
                self.functions.setdefault(name, (start, i))
                name = None

    def find(self, function, fragment):
        """The line number (1-based) where @fragment starts in
        @function (or anywhere if "-"), or None; raises KeyError for an
        unknown function."""
        if function == '-':
            lo, hi = 0, len(self.lines) - 1
        else:
            lo, hi = self.functions[function]
        # Squash the body, remembering which line each character came from.
        chars, owner = [], []
        for n in range(lo, hi + 1):
            for c in self.lines[n]:
                if not c.isspace():
                    chars.append(c)
                    owner.append(n)
        at = ''.join(chars).find(squash(fragment))
        return owner[at] + 1 if at >= 0 and fragment.strip() else None


def mappings(model):
    """(model line, section, file, function, fragment) for each mapping."""
    section = '(top)'
    with open(model, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            s = SECTION.match(line)
            if s:
                inline, proc, label = s.groups()
                section = ('inline `%s`' % inline if inline else
                           'proctype `%s`' % proc if proc else '`%s:`' % label)
            found = MAPPING.findall(line)
            if not found and LOOKS_LIKE.search(line):
                yield n, section, None, None, line.strip()
            for path, function, fragment in found:
                yield n, section, path, function, fragment


def strip_comments(text):
    """@text with every /* */ comment blanked out, lengths and newlines
    kept, so that indices and line numbers still match."""
    return re.sub(r'/\*.*?\*/', lambda m: re.sub(r'[^\n]', ' ', m.group(0)),
                  text, flags=re.S)


def unmapped_steps(model):
    """Model lines of atomic { } steps that say nothing of what they
    stand for."""
    with open(model, encoding='utf-8') as f:
        text = f.read()
    code = strip_comments(text)
    inlines = re.findall(r'^inline\s+(\w+)', code, flags=re.M)
    calls = re.compile(r'\b(?:%s)\s*\(' % '|'.join(inlines)) if inlines else None
    lines, code_lines = text.split('\n'), code.split('\n')
    bad = []
    for m in re.finditer(r'\batomic\s*\{', code):
        depth, end = 0, None
        for i in range(m.end() - 1, len(code)):
            if code[i] == '{':
                depth += 1
            elif code[i] == '}':
                depth -= 1
                if depth == 0:
                    end = i
                    break
        first = code.count('\n', 0, m.start())
        last = code.count('\n', 0, end if end is not None else len(code))
        # Take in the comment-only lines just above the step.
        while first > 0 and not code_lines[first - 1].strip(' \t:'):
            first -= 1
        span = '\n'.join(lines[first:last + 1])
        if not (MAPPING.search(span) or 'model:' in span or
                (calls and calls.search(strip_comments(span)))):
            bad.append(code.count('\n', 0, m.start()) + 1)
    return bad


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--srcdir', default=os.path.join(here, '..', '..'))
    ap.add_argument('--table', action='store_true')
    ap.add_argument('models', nargs='+')
    args = ap.parse_args()

    files, bad, rows = {}, [], []
    for model in args.models:
        for n, section, path, function, fragment in mappings(model):
            where = '%s:%d' % (os.path.basename(model), n)
            if path is None:
                bad.append('%s: cannot parse the mapping: %s' % (where, fragment))
                continue
            if path not in files:
                try:
                    files[path] = CFile(os.path.join(args.srcdir, path))
                except OSError as e:
                    files[path] = None
                    bad.append('%s: %s: %s' % (where, path, e.strerror))
            if files[path] is None:
                continue
            try:
                line = files[path].find(function, fragment)
            except KeyError:
                bad.append('%s: no function %s in %s' % (where, function, path))
                continue
            if line is None:
                bad.append('%s: not in %s %s: "%s"' %
                           (where, path, function, fragment))
                continue
            rows.append((section, n, path, function, line))

    for model in args.models:
        for n in unmapped_steps(model):
            bad.append('%s:%d: a step with no "C:" mapping nor "model:" note'
                       % (os.path.basename(model), n))
    if args.table:
        print_table(rows)
    for b in bad:
        print('check-mapping: ' + b, file=sys.stderr)
    if not args.table:
        funcs = {(p, f) for _, _, p, f, _ in rows if f != '-'}
        print('check-mapping: %d C fragments in %d functions of %d files: '
              '%s' % (len(rows) + len(bad), len(funcs), len(files),
                      '%d not found' % len(bad) if bad else 'all found'))
    return 1 if bad else 0


def print_table(rows):
    """Model section (and its lines) -> C function and its lines, in
    model order."""
    print('| model: section | model lines | C: function | C lines |')
    print('| --- | --- | --- | --- |')
    order, spans = [], {}
    for section, mline, path, function, line in rows:
        key = (section, path, function)
        if key not in spans:
            order.append(key)
            spans[key] = [mline, mline, line, line]
        s = spans[key]
        s[0], s[1] = min(s[0], mline), max(s[1], mline)
        s[2], s[3] = min(s[2], line), max(s[3], line)

    def span(lo, hi):
        return '%d' % lo if lo == hi else '%d-%d' % (lo, hi)
    for section, path, function in order:
        mlo, mhi, lo, hi = spans[(section, path, function)]
        name = '(definitions)' if function == '-' else '`%s`' % function
        print('| %s | %s | `%s` %s | %s |' % (section, span(mlo, mhi), path,
                                             name, span(lo, hi)))


if __name__ == '__main__':
    sys.exit(main())
