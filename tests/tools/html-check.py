#!/usr/bin/env python3
"""Checks a `stirprobe report html` page and prints what it shows.

    html-check.py FILE [--text S]... [--no-text S]...

Fails (exit 1, one line per problem) when the file is not strict UTF-8, when its
tags do not nest (every non-void element closed, in order), when it holds an
active or loading element (script, iframe, object, embed, link, img, base, form
and the like), an on* event attribute, a URL to http(s) or // in any attribute,
or a CSS url(); with --text, when the page's decoded text (what a reader sees,
SVG <title> included) lacks S; with --no-text when it contains S.

Prints, one per line, key=value of what the page shows: total-* (the summary
figures), attest-LEVEL (calls of the attestation table), failure-LABEL (calls per
verify_result), origid-rows, campaign-rows (rows flagged yes), chains (chain
drawings), cert-rows, no-calls (1 when the page says there are none).
"""
import re
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
FORBIDDEN = {"script", "iframe", "frame", "object", "embed", "link", "img", "base", "form", "input",
             "audio", "video", "source", "image", "use", "foreignobject", "a", "applet"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.problems = []
        self.text = []
        self.ids = {}          # id -> text inside the element
        self.open_ids = []     # (depth, id) of elements whose text is collected
        self.tables = {}       # table id -> list of rows (list of cell texts)
        self.cur_table = None
        self.cur_row = None
        self.cur_cell = None
        self.chains = 0

    def _attrs(self, tag, attrs):
        for name, value in attrs:
            name = name.lower()
            v = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"event attribute {name} on <{tag}>")
            # any attribute, not only src/href: an SVG or CSS property may load a URL too;
            # xmlns is a namespace name, never fetched
            if name != "xmlns" and v.startswith(("http:", "https:", "//", "javascript:")):
                self.problems.append(f"external reference {name}={value!r} on <{tag}>")
            if name == "style" and "url(" in v:
                self.problems.append(f"CSS url() in style on <{tag}>")
            if name == "http-equiv" and v == "refresh":
                self.problems.append("meta refresh")
        if tag == "svg":
            ns = dict(attrs).get("xmlns")
            if ns not in (None, "http://www.w3.org/2000/svg"):
                self.problems.append(f"svg with xmlns {ns!r}")

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN:
            self.problems.append(f"forbidden element <{tag}>")
        self._attrs(tag, attrs)
        a = dict(attrs)
        if tag == "div" and a.get("class") == "chain":
            self.chains += 1
        if tag == "table":
            self.cur_table = a.get("id", "")
            self.tables[self.cur_table] = []
        elif tag == "tr" and self.cur_table is not None:
            self.cur_row = []
            self.tables[self.cur_table].append(self.cur_row)
        elif tag in ("td", "th") and self.cur_row is not None:
            self.cur_cell = []
        if tag in VOID:
            return
        self.stack.append(tag)
        if "id" in a:
            self.open_ids.append((len(self.stack), a["id"]))
            self.ids[a["id"]] = ""

    def handle_startendtag(self, tag, attrs):
        if tag in FORBIDDEN:
            self.problems.append(f"forbidden element <{tag}>")
        self._attrs(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> at line {self.getpos()[0]} closes <{self.stack[-1] if self.stack else 'nothing'}>")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        while self.open_ids and self.open_ids[-1][0] == len(self.stack):
            self.open_ids.pop()
        self.stack.pop()
        if tag in ("td", "th") and self.cur_cell is not None:
            self.cur_row.append("".join(self.cur_cell).strip())
            self.cur_cell = None
        elif tag == "tr":
            self.cur_row = None
        elif tag == "table":
            self.cur_table = None

    def handle_data(self, data):
        self.text.append(data)
        for _, i in self.open_ids:
            self.ids[i] += data
        if self.cur_cell is not None:
            self.cur_cell.append(data)

    def handle_decl(self, decl):
        if decl.lower() != "doctype html":
            self.problems.append(f"unexpected declaration {decl!r}")


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    path, want, unwanted = args[0], [], []
    i = 1
    while i < len(args):
        if args[i] == "--text":
            want.append(args[i + 1])
        elif args[i] == "--no-text":
            unwanted.append(args[i + 1])
        else:
            sys.exit(f"unknown argument {args[i]}")
        i += 2
    raw = open(path, "rb").read()
    problems = []
    try:
        doc = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        problems.append(f"not UTF-8: {e}")
        doc = raw.decode("utf-8", errors="replace")
    if not doc.startswith("<!DOCTYPE html>"):
        problems.append("does not start with <!DOCTYPE html>")
    if re.search(r"url\(", doc, re.I):
        problems.append("CSS url() in the page")
    p = Page()
    p.feed(doc)
    p.close()
    problems += p.problems
    if p.stack:
        problems.append(f"unclosed elements at the end: {p.stack}")
    text = "".join(p.text)
    for s in want:
        if s not in text:
            problems.append(f"text missing: {s!r}")
    for s in unwanted:
        if s in text:
            problems.append(f"text present: {s!r}")

    out = []
    for k, v in sorted(p.ids.items()):
        if k.startswith("total-"):
            out.append(f"{k}={v.strip()}")
    for row in p.tables.get("attest-table", [])[1:]:
        out.append(f"attest-{row[0].split()[-1]}={row[1]}")
    for row in p.tables.get("failures-table", [])[1:]:
        out.append(f"failure-{row[0]}={row[1]}")
    origid_rows = p.tables.get("origid-table", [])[1:]
    out.append(f"origid-rows={len(origid_rows)}")
    out.append(f"campaign-rows={sum(1 for r in origid_rows if r[-1] == 'yes')}")
    out.append(f"chains={p.chains}")
    out.append(f"cert-rows={len(p.tables.get('certs-table', [])[1:])}")
    out.append(f"no-calls={1 if 'no-calls' in p.ids else 0}")
    print("\n".join(out))
    for pr in problems:
        print(f"PROBLEM {pr}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
