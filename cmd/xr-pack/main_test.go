package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/xr-lake/xr/internal/scripttest"
	"github.com/xr-lake/xr/pkg/snapshot"
	"github.com/xr-lake/xr/pkg/snapshot/snapshottest"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(refArchiveVar); spec != "" {
		writeRefArchiveAndExit(spec)
	}
	testscript.Main(m, map[string]func(){"xr-pack": main})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, scripttest.Params(t, map[string]scripttest.TestCmd{
		"genrecs":    genrecs,
		"refpack":    refpack,
		"lockpack":   lockpack,
		"unlockpack": unlockpack,
		"kdfheader":  kdfheader,
		"modes":      modes,
		"agekey":     agekey,
		"agemagic":   agemagic,
		"agescrypt":  agescrypt,
		"xrencv1":    xrencv1,
	}, "xr-canon", "xr-hash", "xr-redact"))
}

// genrecs SEED FROM TO FILE [STEP]: hashed envelopes FROM..TO-1 of a
// generated run (observed_at 2026-03-01T00:00Z plus STEP per record,
// default 1h; natural keys key-0..key-9) into FILE.
func genrecs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 {
		ts.Fatalf("usage: genrecs SEED FROM TO FILE [STEP]")
	}
	from, err1 := strconv.Atoi(args[1])
	to, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil {
		ts.Fatalf("genrecs: bad range")
	}
	s := snapshottest.Spec{Seed: args[0]}
	if len(args) > 4 {
		d, err := time.ParseDuration(args[4])
		ts.Check(err)
		s.Step = d
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[3]), s.NDJSON(from, to), 0o644))
}

// refpack DIR: a copy of the reference tool's pack ($SHARED/reference-pack).
func refpack(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: refpack DIR")
	}
	src := filepath.Join("..", "..", "testdata", "reference-pack")
	ts.Check(os.CopyFS(ts.MkAbs(args[0]), os.DirFS(src)))
}

var locks sync.Map // pack dir → *os.File holding its flock

// lockpack DIR: hold the pack's writer lock (a flock on the folder), as
// another xr-pack would.
func lockpack(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: lockpack DIR")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Check(syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	ts.Check(os.WriteFile(filepath.Join(ts.MkAbs(args[0]), snapshot.LockFile), []byte("4242\n"), 0o644))
	locks.Store(ts.MkAbs(args[0]), f)
	ts.Defer(func() { f.Close() })
}

// unlockpack DIR: release what lockpack took.
func unlockpack(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: unlockpack DIR")
	}
	if f, ok := locks.LoadAndDelete(ts.MkAbs(args[0])); ok {
		f.(*os.File).Close()
	}
}

// kdfheader IN OUT TIME MEMORY_KIB: a copy of the xr-enc archive IN whose
// header asks for other Argon2id parameters, its checksum recomputed (as
// anyone crafting a header can).
func kdfheader(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: kdfheader IN OUT TIME MEMORY_KIB")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	t, err1 := strconv.ParseUint(args[2], 10, 32)
	m, err2 := strconv.ParseUint(args[3], 10, 32)
	if err1 != nil || err2 != nil || len(b) < 80 || b[7] != 1 {
		ts.Fatalf("kdfheader: bad arguments or not an Argon2id xr-enc archive")
	}
	binary.BigEndian.PutUint32(b[8:], uint32(t))
	binary.BigEndian.PutUint32(b[12:], uint32(m))
	sum := sha256.Sum256(b[:68])
	copy(b[68:80], sum[:12])
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o644))
}

// modes FILEMODE DIRMODE PATH...: every file below (or at) each PATH has
// mode FILEMODE and every folder DIRMODE (octal), as a umask makes them.
func modes(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: modes FILEMODE DIRMODE PATH...")
	}
	fm, err1 := strconv.ParseUint(args[0], 8, 32)
	dm, err2 := strconv.ParseUint(args[1], 8, 32)
	if err1 != nil || err2 != nil {
		ts.Fatalf("modes: bad mode")
	}
	for _, root := range args[2:] {
		ts.Check(filepath.WalkDir(ts.MkAbs(root), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			want := fs.FileMode(fm)
			if d.IsDir() {
				want = fs.FileMode(dm)
			}
			if fi.Mode().Perm() != want {
				ts.Fatalf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), want)
			}
			return nil
		}))
	}
}

// agekey NAME: a new X25519 identity in NAME (chmod 600, as age-keygen
// writes it), its recipient in NAME.pub and in $AGEKEY_NAME.
func agekey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: agekey NAME")
	}
	id, err := age.GenerateX25519Identity()
	ts.Check(err)
	pub := id.Recipient().String()
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte("# public key: "+pub+"\n"+id.String()+"\n"), 0o600))
	ts.Check(os.WriteFile(ts.MkAbs(args[0]+".pub"), []byte(pub+"\n"), 0o644))
	ts.Setenv("AGEKEY_"+args[0], pub)
}

// agemagic FILE: FILE is an age file.
func agemagic(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: agemagic FILE")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	if bytes.HasPrefix(b, []byte("age-encryption.org/v1\n")) == neg {
		ts.Fatalf("%s: age magic present = %v", args[0], !neg)
	}
}

// agescrypt IN OUT LOGN: a copy of the passphrase age file IN whose scrypt
// stanza asks for work factor LOGN (its header MAC no longer matches, as
// when anyone edits a header).
func agescrypt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: agescrypt IN OUT LOGN")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	i := bytes.Index(b, []byte("\n-> scrypt "))
	if i < 0 {
		ts.Fatalf("agescrypt: no scrypt stanza")
	}
	end := i + 1 + bytes.IndexByte(b[i+1:], '\n')
	line := b[i+1 : end]
	sp := bytes.LastIndexByte(line, ' ')
	out := append(append(append([]byte{}, b[:i+1+sp+1]...), args[2]...), b[end:]...)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), out, 0o644))
}

// xrencv1 FILE: the xr-enc v1 archive of the reference pack that an earlier
// build wrote (pkg/archive/testdata; passphrase "correct horse battery staple").
func xrencv1(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: xrencv1 FILE")
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "pkg", "archive", "testdata", "xrenc-v1.tar.zst.enc"))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o644))
}
