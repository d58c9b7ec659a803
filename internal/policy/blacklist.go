package policy

import (
	"bufio"
	"errors"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// blacklist is a loaded password blacklist: the 64-bit hashes of its
// lower-cased lines, sorted. Keycloak keeps a Bloom filter with a false
// positive rate of 0.0001; 64-bit hashes make false positives negligible
// (about n/2^64) at 8 bytes per password.
type blacklist struct {
	hashes []uint64
}

var blacklistSeed = maphash.MakeSeed()

func (b *blacklist) contains(password string) bool {
	h := maphash.String(blacklistSeed, javaToLower(password))
	_, ok := slices.BinarySearch(b.hashes, h)
	return ok
}

// blacklistCache shares loaded files between Parse calls: a file is read
// again only when its modification time or size changes.
var blacklistCache = struct {
	sync.Mutex
	m map[string]cachedBlacklist
}{m: map[string]cachedBlacklist{}}

type cachedBlacklist struct {
	mod  time.Time
	size int64
	bl   *blacklist
}

// loadBlacklist returns the blacklist file name under dir, reading it when it
// is not cached or changed on disk.
func loadBlacklist(dir, name string) (*blacklist, error) {
	path := filepath.Join(dir, name)
	notFound := &Error{Message: "Password blacklist " + name + " not found!"}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, notFound
	}
	blacklistCache.Lock()
	c, ok := blacklistCache.m[path]
	blacklistCache.Unlock()
	if ok && c.mod.Equal(fi.ModTime()) && c.size == fi.Size() {
		return c.bl, nil
	}
	bl, err := readBlacklist(path)
	if err != nil {
		return nil, &Error{Message: "Password blacklist " + name + " could not be loaded"}
	}
	blacklistCache.Lock()
	blacklistCache.m[path] = cachedBlacklist{mod: fi.ModTime(), size: fi.Size(), bl: bl}
	blacklistCache.Unlock()
	return bl, nil
}

// readBlacklist reads one password per line. Lines end at "\n", "\r" or
// "\r\n" (Java's BufferedReader.lines), and are lower-cased as Keycloak does.
func readBlacklist(path string) (*blacklist, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 512*1024)
	var hashes []uint64
	var line []byte
	add := func() {
		hashes = append(hashes, maphash.String(blacklistSeed, javaToLower(string(line))))
		line = line[:0]
	}
	pendingCR := false
	for {
		c, err := r.ReadByte()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch {
		case c == '\n' && pendingCR:
			pendingCR = false
		case c == '\n' || c == '\r':
			add()
			pendingCR = c == '\r'
		default:
			pendingCR = false
			line = append(line, c)
		}
	}
	if len(line) > 0 {
		add()
	}
	slices.Sort(hashes)
	return &blacklist{hashes: slices.Compact(hashes)}, nil
}
