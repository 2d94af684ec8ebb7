// franz-go contender for the side-by-side benchmark: reads the same job JSON as the Node
// runners (bench/contenders/common.ts) and prints one "BENCH_RESULT {json}" line. With tasks > 0
// (workload 6, "web service"), that many goroutines each ProduceSync one record at a time.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

type job struct {
	Bootstrap   string `json:"bootstrap"`
	Topic       string `json:"topic"`
	NumRecords  int    `json:"numRecords"`
	RecordSize  int    `json:"recordSize"`
	Acks        int    `json:"acks"`
	Idempotence bool   `json:"idempotence"`
	Compression string `json:"compression"`
	LingerMs    int    `json:"lingerMs"`
	BatchSize   int    `json:"batchSize"`
	Throughput  int    `json:"throughput"`
	Tasks       int    `json:"tasks"`
}

// Log-linear histogram of microseconds, as in common.ts (128 sub-buckets per power of two).
const sub = 128

type histogram struct {
	mu     sync.Mutex
	counts [64 * sub]float64
	count  float64
	sum    float64
	max    float64
}

func index(us int64) int {
	if us < sub {
		return int(us)
	}
	exp := int(math.Floor(math.Log2(float64(us)))) - 6
	s := int(us/(int64(1)<<exp)) - sub/2
	return sub + (exp-1)*(sub/2) + s
}

func value(i int) float64 {
	if i < sub {
		return float64(i)
	}
	i -= sub
	exp := i/(sub/2) + 1
	s := i%(sub/2) + sub/2
	return (float64(s) + 0.5) * math.Pow(2, float64(exp))
}

func (h *histogram) record(ms float64) {
	h.mu.Lock()
	h.count++
	h.sum += ms
	if ms > h.max {
		h.max = ms
	}
	h.counts[index(int64(math.Round(ms*1000)))]++
	h.mu.Unlock()
}

func (h *histogram) pct(p float64) float64 {
	if h.count == 0 {
		return 0
	}
	target := math.Ceil(p / 100 * h.count)
	seen := 0.0
	for i, c := range h.counts {
		seen += c
		if seen >= target {
			return math.Min(h.max, value(i)/1000)
		}
	}
	return h.max
}

func r2(v float64) float64 { return math.Round(v*100) / 100 }

func emit(v map[string]any) {
	b, _ := json.Marshal(v)
	fmt.Printf("BENCH_RESULT %s\n", b)
}

func main() {
	var j job
	if err := json.Unmarshal([]byte(os.Args[1]), &j); err != nil {
		emit(map[string]any{"ok": false, "error": err.Error()})
		return
	}
	acks := kgo.LeaderAck()
	if j.Acks == -1 {
		acks = kgo.AllISRAcks()
	}
	codec := kgo.NoCompression()
	switch j.Compression {
	case "lz4":
		codec = kgo.Lz4Compression()
	case "zstd":
		codec = kgo.ZstdCompression()
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(j.Bootstrap, ",")...),
		kgo.RequiredAcks(acks),
		kgo.ProducerLinger(time.Duration(j.LingerMs) * time.Millisecond),
		kgo.ProducerBatchMaxBytes(int32(j.BatchSize)),
		kgo.ProducerBatchCompression(codec),
		kgo.MaxBufferedBytes(32 << 20),
		kgo.MaxBufferedRecords(1 << 30),
		// A fresh topic may have no leader in the first metadata answer; do not wait the default 5 s to ask again.
		kgo.MetadataMinAge(100 * time.Millisecond),
	}
	if !j.Idempotence {
		opts = append(opts, kgo.DisableIdempotentWrite())
	}
	api := "client.Produce(ctx, record, promise); blocks when MaxBufferedBytes is full"
	if j.Tasks > 0 {
		api = fmt.Sprintf("%d goroutines, each: client.ProduceSync(ctx, record), one at a time", j.Tasks)
	}
	settings := map[string]any{
		"api":                   api,
		"acks":                  j.Acks,
		"idempotent":            j.Idempotence,
		"compression":           j.Compression,
		"ProducerLinger":        fmt.Sprintf("%dms", j.LingerMs),
		"ProducerBatchMaxBytes": j.BatchSize,
		"MaxBufferedBytes":      32 << 20,
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		emit(map[string]any{"ok": false, "error": err.Error(), "settings": settings})
		return
	}
	defer cl.Close()
	ctx := context.Background()
	value := make([]byte, j.RecordSize)
	// Random uppercase letters, made once, as Java's ProducerPerformance makes its payload.
	for i := range value {
		value[i] = byte('A' + rand.Intn(26))
	}
	// Warm the topic's metadata and connections outside the measured part (one record, subtracted
	// by the harness when it counts what was delivered).
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: j.Topic, Value: value}).FirstErr(); err != nil {
		emit(map[string]any{"ok": false, "error": err.Error(), "settings": settings})
		return
	}
	var h histogram
	var failed atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	if j.Tasks > 0 {
		runTasks(cl, &j, value, &h, &failed, &firstErr)
	}
	for i := 0; j.Tasks == 0 && i < j.NumRecords; i++ {
		if j.Throughput > 0 {
			due := start.Add(time.Duration(float64(i) * float64(time.Second) / float64(j.Throughput)))
			if d := time.Until(due); d > time.Millisecond {
				time.Sleep(d)
			}
		}
		sent := time.Now()
		cl.Produce(ctx, &kgo.Record{Topic: j.Topic, Value: value}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
				return
			}
			h.record(float64(time.Since(sent).Nanoseconds()) / 1e6)
		})
	}
	if err := cl.Flush(ctx); err != nil {
		emit(map[string]any{"ok": false, "error": err.Error(), "settings": settings})
		return
	}
	secs := time.Since(start).Seconds()
	res := map[string]any{
		"ok":            failed.Load() == 0,
		"records":       j.NumRecords,
		"seconds":       math.Round(secs*1000) / 1000,
		"recordsPerSec": math.Round(float64(j.NumRecords) / secs),
		"mbPerSec":      r2(float64(j.NumRecords*j.RecordSize) / secs / 1048576),
		"latencyMs": map[string]float64{
			"avg": r2(h.sum / math.Max(1, h.count)), "p50": r2(h.pct(50)), "p99": r2(h.pct(99)),
			"p999": r2(h.pct(99.9)), "max": r2(h.max),
		},
		"failed":        failed.Load(),
		"warmupRecords": 1,
		"settings":      settings,
	}
	if f := failed.Load(); f > 0 {
		res["error"] = fmt.Sprintf("%d records failed; first: %v", f, firstErr.Load())
	}
	emit(res)
}

// runTasks sends j.NumRecords records from j.Tasks goroutines, each waiting for its record's
// acknowledgement (ProduceSync) before taking the next.
func runTasks(cl *kgo.Client, j *job, value []byte, h *histogram, failed *atomic.Int64, firstErr *atomic.Value) {
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	for t := 0; t < j.Tasks; t++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(j.NumRecords) {
				sent := time.Now()
				if err := cl.ProduceSync(ctx, &kgo.Record{Topic: j.Topic, Value: value}).FirstErr(); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				h.record(float64(time.Since(sent).Nanoseconds()) / 1e6)
			}
		}()
	}
	wg.Wait()
}
