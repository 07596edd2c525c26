package redact

import "bytes"

// scanMarkup looks at every '<' of t for the two markup forms of a secret
// name: an element <password>…</password> (XML, HTML, namespaced
// <ns:Password>, a CDATA section inside; id xml:NAME), and an HTML or XML
// control naming it: <input name="password" value="…">, <meta
// name="csrf-token" content="…">, <add key="ClearTextPassword" value="…"/>,
// <input type="password" value="…"> (id attr:NAME).
func (sc *scanner) scanMarkup(t []byte) {
	for p := 0; ; p++ {
		k := bytes.IndexByte(t[p:], '<')
		if k < 0 {
			return
		}
		p += k
		if e := sc.element(t, p); e > p {
			p = e - 1
		}
	}
}

var (
	tagNameStart = newSet("a-z", "A-Z", "_")
	tagNameChar  = newSet("a-z", "A-Z", "0-9", "_.:-")
)

// element handles the tag that opens at t[p] and returns the end of what
// it redacted, or -1.
func (sc *scanner) element(t []byte, p int) int {
	ns := p + 1
	if ns >= len(t) || !tagNameStart[t[ns]] {
		return -1
	}
	ne := tagNameChar.run(t, ns)
	if ne >= len(t) || t[ne] != '>' && t[ne] != ' ' && t[ne] != '\t' && t[ne] != '\n' && t[ne] != '/' {
		return -1
	}
	te := ne
	for te < len(t) && t[te] != '>' && t[te] != '<' && te-ne < 2048 {
		te++
	}
	if te >= len(t) || t[te] != '>' {
		return -1
	}
	sc.prio = 1
	scanStart(t, te+1, sc.add) // <token>dapi…</token>
	sc.prio = 2
	tag := t[ne:te]
	if len(tag) > 6 && (bytes.Contains(tag, []byte("value")) || bytes.Contains(tag, []byte("content"))) {
		if e := sc.control(t, ne, te); e > 0 {
			return e
		}
	}
	if t[te-1] == '/' || ne-ns < 3 {
		return -1 // self-closing, or too short a name to name a secret
	}
	local := t[ns:ne]
	if c := bytes.LastIndexByte(local, ':'); c >= 0 {
		local = local[c+1:]
	}
	norm, n := sc.r.names.candidate(sc.nbuf[:0], local)
	if norm == nil {
		return -1
	}
	// the content, up to the next tag, which must close this one
	vs := te + 1
	var ve int
	if bytes.HasPrefix(t[vs:], []byte("<![CDATA[")) {
		vs += len("<![CDATA[")
		k := bytes.Index(t[vs:], []byte("]]>"))
		if k < 0 {
			return -1
		}
		ve = vs + k
	} else {
		k := bytes.IndexByte(t[vs:], '<')
		if k < 0 || !closes(t[vs+k:], t[ns:ne]) {
			return -1
		}
		ve = vs + k
	}
	for vs < ve && isBlank(t[vs]) {
		vs++
	}
	for ve > vs && isBlank(t[ve-1]) {
		ve--
	}
	v := t[vs:ve]
	switch {
	case len(v) == 0 || isNonSecret(v):
		return -1
	case contextID(norm, v) != "":
		return sc.value(t, vs, ve, contextID(norm, v))
	case n != nil:
		if !n.passes(v) {
			return -1
		}
		return sc.value(t, vs, ve, n.xml)
	case weakName(norm) && highEntropy(v):
		return sc.value(t, vs, ve, GenericID)
	}
	return -1
}

// control handles the attributes t[as:ae] of a tag: when its name, id,
// key or property attribute is a secret name (or its type is password),
// the value or content attribute is redacted. It returns ae, or -1.
func (sc *scanner) control(t []byte, as, ae int) int {
	var named []byte
	vs, ve := -1, -1
	password := false
	for i := as; i < ae; {
		for i < ae && (isBlank(t[i]) || t[i] == '/') {
			i++
		}
		an := i
		for i < ae && tagNameChar[t[i]] {
			i++
		}
		name := t[an:i]
		if len(name) == 0 || i >= ae || t[i] != '=' {
			if len(name) == 0 {
				i++
			}
			continue
		}
		i++
		var s, e int
		if i < ae && (t[i] == '"' || t[i] == '\'') {
			k := bytes.IndexByte(t[i+1:ae], t[i])
			if k < 0 {
				return -1
			}
			s, e = i+1, i+1+k
			i = e + 1
		} else {
			s = i
			for i < ae && !isBlank(t[i]) {
				i++
			}
			e = i
		}
		switch {
		case equalFold(name, "name"), equalFold(name, "id"), equalFold(name, "key"), equalFold(name, "property"):
			if named == nil {
				named = t[s:e]
			}
		case equalFold(name, "type"):
			password = equalFold(t[s:e], "password")
		case equalFold(name, "value"), equalFold(name, "content"):
			vs, ve = s, e
		}
	}
	if vs < 0 {
		return -1
	}
	v := t[vs:ve]
	if isNonSecret(v) {
		return -1
	}
	var n *nameRule
	if named != nil {
		norm := sc.r.names.norm(sc.nbuf[:0], named)
		if norm == nil {
			return -1
		}
		if id := contextID(norm, v); id != "" {
			sc.value(t, vs, ve, id) // a vendor's shape under its name
			return ae
		}
		n = sc.r.names.lookupNorm(norm)
		if n == nil && weakName(norm) && highEntropy(v) {
			sc.value(t, vs, ve, GenericID)
			return ae
		}
	}
	if n == nil && password {
		n = sc.r.names.lookup(sc.lbuf[:0], []byte("password"))
	}
	if n == nil || !n.passes(v) {
		return -1
	}
	sc.value(t, vs, ve, n.attr)
	return ae
}

// closes reports whether t starts with the closing tag of the element
// named name: "</name>".
func closes(t, name []byte) bool {
	return len(t) >= len(name)+3 && t[0] == '<' && t[1] == '/' &&
		string(t[2:2+len(name)]) == string(name) && t[2+len(name)] == '>'
}
