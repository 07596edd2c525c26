package diff

import "testing"

// TestStateTable: every added record is found again through growth, by key
// and by hash; what was not added is not found; an update in place holds.
func TestStateTable(t *testing.T) {
	byKey, byHash := stateTable{}, stateTable{byHash: true}
	const n = 50_000
	for i := range uint64(n) {
		h := synthHash(i)
		if byKey.get(nil, finishKey(i)) != nil || byHash.get(&h, 0) != nil {
			t.Fatalf("%d found before it was added", i)
		}
		byKey.add(current{h: h, k: finishKey(i), t: int64(i), line: int(i)})
		byHash.add(current{h: h, line: int(i)})
	}
	for i := range uint64(2 * n) {
		h := synthHash(i)
		ck, ch := byKey.get(nil, finishKey(i)), byHash.get(&h, 0)
		if i < n && (ck == nil || ck.h != h || ck.line != int(i) || ch == nil || ch.line != int(i)) {
			t.Fatalf("%d: %v %v", i, ck, ch)
		}
		if i >= n && (ck != nil || ch != nil) {
			t.Fatalf("%d found, never added", i)
		}
	}
	c := byKey.get(nil, finishKey(7))
	c.line = -1
	if byKey.get(nil, finishKey(7)).line != -1 {
		t.Error("update in place lost")
	}
	if 2*byKey.ent.n > len(byKey.ref) {
		t.Errorf("table over half full: %d in %d", byKey.ent.n, len(byKey.ref))
	}
}
