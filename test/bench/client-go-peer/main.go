// Command client-go-peer is the client-go informer peer of the effect-kube benchmarks: it runs a
// SharedIndexInformer on all ConfigMaps from a kubeconfig and prints one JSON line: the time
// until HasSynced, the cached object count, and heap/RSS growth after a GC.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

type result struct {
	Ms        float64 `json:"ms"`
	Count     int     `json:"count"`
	HeapBytes int64   `json:"heapBytes"`
	RssBytes  int64   `json:"rssBytes"`
}

func rss() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, "VmRSS:") {
			fields := strings.Fields(line)
			if len(fields) >= 2 {
				kb, _ := strconv.ParseInt(fields[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

func heap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig path")
	strip := flag.Bool("strip", false, "drop managedFields before storing")
	flag.Parse()
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg.QPS = -1
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	baseHeap, baseRss := heap(), rss()
	start := time.Now()
	factory := informers.NewSharedInformerFactory(cs, 0)
	informer := factory.Core().V1().ConfigMaps().Informer()
	if *strip {
		_ = informer.SetTransform(func(obj interface{}) (interface{}, error) {
			if cm, ok := obj.(*corev1.ConfigMap); ok {
				cm.ManagedFields = nil
			}
			return obj, nil
		})
	}
	stop := make(chan struct{})
	factory.Start(stop)
	for !informer.HasSynced() {
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	count := len(informer.GetStore().ListKeys())
	out := result{
		Ms:        float64(elapsed.Microseconds()) / 1000,
		Count:     count,
		HeapBytes: heap() - baseHeap,
		RssBytes:  rss() - baseRss,
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
	runtime.KeepAlive(informer)
	close(stop)
	os.Exit(0)
}
