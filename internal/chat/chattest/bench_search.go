package chattest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/cputime"
)

// SearchBenchStore is a store under BenchmarkSearch: Unindex removes its
// search index (the "without" side of the ingest comparison) and
// IndexBytes reports what the index takes on disk.
type SearchBenchStore struct {
	Store      chat.Store
	Unindex    func(ctx context.Context) error
	IndexBytes func(ctx context.Context) (int64, error)
}

// Sizes of BenchmarkSearch; OPENCHAT_BENCH_SEARCH_MESSAGES sets the number
// of messages.
const (
	searchBenchRooms   = 1000
	searchBenchUsers   = 100
	searchBenchChunk   = 10_000 // messages loaded into each store in turn
	searchBenchRepeats = 50     // runs of each query
)

// BenchmarkSearch loads the same messages across 1,000 rooms into two
// fresh stores, one with its search index and one without, a chunk into
// each in turn so both see the same machine; it reports the ingest rate of
// both and their ratio (overall and per chunk), in wall time and in this
// process's CPU time, then runs 10 typical queries on the indexed store
// (p50 and p99 each, and over all) and the index's bytes per message. Run
// it alone: go test -run '^$' -bench BenchmarkSearch -benchtime 1x.
//
// OPENCHAT_BENCH_SEARCH_MESSAGES sets the number of messages (200,000 by
// default); OPENCHAT_BENCH_SEARCH_BOTH, if smaller, how many of them go
// into both stores for the ratio: the rest go into the indexed store only,
// for the queries (a slow engine then fits in a shorter run).
func BenchmarkSearch(b *testing.B, newStore func(b *testing.B) SearchBenchStore) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("OPENCHAT_BENCH_SEARCH_MESSAGES")); err == nil && v > 0 {
		n = v
	}
	both := n
	if v, err := strconv.Atoi(os.Getenv("OPENCHAT_BENCH_SEARCH_BOTH")); err == nil && v > 0 && v < n {
		both = v
	}
	ctx := context.Background()
	indexed, plain := newStore(b), newStore(b)
	if err := plain.Unindex(ctx); err != nil {
		b.Fatal(err)
	}
	reader, rooms := searchBenchSetup(b, indexed.Store)
	searchBenchSetup(b, plain.Store)
	// Chunks alternate which store goes first, and each chunk's ratio is
	// kept: on a shared machine the load moves, and the spread of the
	// ratios shows how far one figure can be trusted. CPU time is the
	// store's whole work for SQLite (in this process), only the client's
	// for PostgreSQL; under load it moves far less than wall time.
	var took [2]time.Duration
	var cpu [2]float64
	var ratios []float64
	stores := []chat.Store{indexed.Store, plain.Store}
	for done, k := 0, 0; done < both; done, k = done+searchBenchChunk, k+1 {
		msgs := searchBenchMessages(done, min(searchBenchChunk, both-done), rooms)
		var d [2]time.Duration
		for _, i := range [][]int{{0, 1}, {1, 0}}[k%2] {
			c := cputime.Process()
			d[i] = searchBenchLoad(b, stores[i], msgs)
			cpu[i] += cputime.Process() - c
			took[i] += d[i]
		}
		ratios = append(ratios, d[0].Seconds()/d[1].Seconds())
	}
	rate := func(d time.Duration) float64 { return float64(both) / d.Seconds() }
	slices.Sort(ratios)
	b.ReportMetric(rate(took[0]), "ingest-indexed-msg/s")
	b.ReportMetric(rate(took[1]), "ingest-plain-msg/s")
	b.ReportMetric(ratios[len(ratios)/2], "ingest-ratio-median")
	b.ReportMetric(cpu[0]/cpu[1], "ingest-cpu-ratio")
	b.Logf("%d messages into both, %d rooms: ingest %.0f msg/s with the index, %.0f without (%.1f%% slower); "+
		"per chunk of %d: median %.1f%% slower, middle 80%% %.1f%% to %.1f%%; "+
		"this process's CPU %.1f µs/msg with the index, %.1f without (%.1f%% more)",
		both, searchBenchRooms, rate(took[0]), rate(took[1]), 100*(took[0].Seconds()/took[1].Seconds()-1),
		searchBenchChunk, 100*(ratios[len(ratios)/2]-1), 100*(ratios[len(ratios)/10]-1), 100*(ratios[len(ratios)*9/10]-1),
		1e6*cpu[0]/float64(both), 1e6*cpu[1]/float64(both), 100*(cpu[0]/cpu[1]-1))
	for done := both; done < n; done += searchBenchChunk {
		searchBenchLoad(b, indexed.Store, searchBenchMessages(done, min(searchBenchChunk, n-done), rooms))
	}
	size, err := indexed.IndexBytes(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(size)/float64(n), "index-B/msg")
	b.Logf("index: %d bytes, %.0f per message (%d messages)", size, float64(size)/float64(n), n)

	searchBenchRunQueries(b, indexed.Store, reader, rooms)
}

// searchBenchRunQueries runs each query searchBenchRepeats times on s and
// reports p50 and p99 of each and of all.
func searchBenchRunQueries(b *testing.B, s chat.Store, reader chat.User, rooms benchRoomSet) {
	ctx := context.Background()
	var all []time.Duration
	for _, q := range searchBenchQueries(b, s, reader, rooms) {
		var ds []time.Duration
		hits := 0
		for range searchBenchRepeats {
			ms := q.ms
			start := time.Now()
			found, err := s.SearchMessages(ctx, ms)
			ds = append(ds, time.Since(start))
			if err != nil {
				b.Fatalf("%s: %v", q.name, err)
			}
			hits = len(found)
		}
		all = append(all, ds...)
		p50, p99 := percentiles(ds)
		b.Logf("%-28s %3d hits  p50 %6.2f ms  p99 %6.2f ms", q.name, hits, ms(p50), ms(p99))
	}
	p50, p99 := percentiles(all)
	b.ReportMetric(ms(p50), "query-p50-ms")
	b.ReportMetric(ms(p99), "query-p99-ms")
	b.Logf("all queries: p50 %.2f ms, p99 %.2f ms", ms(p50), ms(p99))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2], s[min(len(s)-1, len(s)*99/100)]
}

type benchRoomSet struct {
	ids     []string
	names   []string
	authors []chat.User
}

// searchBenchSetup makes the users and rooms (every tenth room private,
// the reader a member of a third of those) with fixed ids, so both stores
// hold the same data.
func searchBenchSetup(b *testing.B, s chat.Store) (chat.User, benchRoomSet) {
	ctx := context.Background()
	var set benchRoomSet
	for i := range searchBenchUsers {
		u := chat.User{ID: fmt.Sprintf("user%03d", i), Username: fmt.Sprintf("user%03d", i), DisplayName: "U", Email: fmt.Sprintf("u%d@example.org", i), PasswordHash: "x"}
		if err := s.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		set.authors = append(set.authors, u)
	}
	reader := set.authors[0]
	for i := range searchBenchRooms {
		r := chat.Room{ID: fmt.Sprintf("room%04d", i), Name: fmt.Sprintf("room-%d", i), Visibility: chat.Public, CreatedBy: set.authors[1].ID}
		if i%10 == 0 {
			r.Visibility = chat.Private
		}
		if err := s.CreateRoom(ctx, r); err != nil {
			b.Fatal(err)
		}
		if i%30 == 0 {
			if _, err := s.AddMember(ctx, r.ID, reader.ID, chat.MemberRole, chat.NewTime(time.Now())); err != nil {
				b.Fatal(err)
			}
		}
		set.ids, set.names = append(set.ids, r.ID), append(set.names, r.Name)
	}
	return reader, set
}

// Words of the generated messages: a few hundred common ones (English and
// Spanish, accents included) drawn often, and many rare made-up ones
// drawn with a long tail, as in real chat.
var searchBenchCommon = strings.Fields(`the a to and is it you that in of for on we this be with have are not
can do at but so just was if what about will i me my our your they he she all get like know think one now
meeting deploy server release bug fix review tomorrow today week next lunch call team client test build
question answer update plan design issue merge branch error database cache login password report sprint
hola gracias mañana reunión canción código versión también está qué cómo después problema equipo cliente
prueba semana próxima café año niño información sesión búsqueda página`)

var syllables = strings.Fields("ka lo mi ne ru sa te vo zi pa do qui ber tan gol fen mar los dra vin")

func rareWord(r *rand.Rand) string {
	var sb strings.Builder
	for range 2 + r.IntN(3) {
		sb.WriteString(syllables[r.IntN(len(syllables))])
	}
	return sb.String()
}

// searchBenchMessages makes messages [from, from+n), the same for the same
// range: bodies of 4 to 24 words, rooms and authors spread evenly.
func searchBenchMessages(from, n int, rooms benchRoomSet) []chat.NewMessage {
	out := make([]chat.NewMessage, n)
	for i := range n {
		k := from + i
		r := rand.New(rand.NewPCG(uint64(k), 42))
		zipf := rand.NewZipf(r, 1.1, 1, uint64(len(searchBenchCommon)-1))
		words := make([]string, 4+r.IntN(21))
		for j := range words {
			if r.IntN(5) == 0 {
				words[j] = rareWord(r)
			} else {
				words[j] = searchBenchCommon[zipf.Uint64()]
			}
		}
		out[i] = chat.NewMessage{ID: fmt.Sprintf("m%09d", k), RoomID: rooms.ids[k%len(rooms.ids)],
			Author: rooms.authors[k%len(rooms.authors)].Ref(), Body: strings.Join(words, " ")}
	}
	return out
}

// searchBenchLoad appends msgs from 16 posters at once (group commits
// form as under a busy server) and returns how long it took.
func searchBenchLoad(b *testing.B, s chat.Store, msgs []chat.NewMessage) time.Duration {
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	const posters = 16
	for p := range posters {
		wg.Go(func() {
			for i := p; i < len(msgs); i += posters {
				if _, _, err := s.AppendMessage(ctx, msgs[i]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

type benchQuery struct {
	name string
	ms   chat.MessageSearch
}

// searchBenchQueries are 10 typical searches by the reader: common and
// rare words, typing a prefix, accents, a phrase, filters, and the second
// page of a common word.
func searchBenchQueries(b *testing.B, s chat.Store, reader chat.User, rooms benchRoomSet) []benchQuery {
	mk := func(name, q string, with func(*chat.MessageSearch)) benchQuery {
		pq, err := chat.ParseSearch(q)
		if err != nil {
			b.Fatalf("%s: %v", q, err)
		}
		ms := chat.MessageSearch{Query: pq, ReaderID: reader.ID, Limit: chat.SearchDefaultLimit + 1}
		if with != nil {
			with(&ms)
		}
		return benchQuery{name, ms}
	}
	// A rare word that occurs: the first made-up word of a message.
	var rare string
	for _, w := range strings.Fields(searchBenchMessages(12345, 1, rooms)[0].Body) {
		if !slices.Contains(searchBenchCommon, w) {
			rare = w
			break
		}
	}
	qs := []benchQuery{
		mk("common word", "meeting ", nil),
		mk("two words", "deploy server ", nil),
		mk("rare word", rare+" ", nil),
		mk("prefix while typing", "rele", nil),
		mk("accents (cancion)", "cancion ", nil),
		mk("phrase", `"next week"`, nil),
		mk("from: + word", "bug ", func(ms *chat.MessageSearch) { ms.AuthorID = rooms.authors[3].ID }),
		mk("in: + word", "fix ", func(ms *chat.MessageSearch) { ms.RoomIDs = []string{rooms.ids[5]} }),
		mk("no match", "zzyzx ", nil),
	}
	page2 := mk("common word, page 2", "meeting ", nil)
	first, err := s.SearchMessages(context.Background(), qs[0].ms)
	if err != nil || len(first) == 0 {
		b.Fatalf("first page: %d hits, %v", len(first), err)
	}
	last := first[len(first)-2].Message // the page shown is Limit-1 long
	page2.ms.Cursor = chat.SearchCursor{At: last.CreatedAt, ID: last.ID}
	return append(qs, page2)
}
