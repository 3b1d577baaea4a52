// Command kube-apiserver-test runs a real kube-apiserver backed by an embedded etcd,
// in one process, for effect-kube's end-to-end and conformance tests (the envtest idea,
// built from Go modules instead of downloaded release binaries).
//
// Usage:
//
//	kube-apiserver-test [flags] [-- extra kube-apiserver flags]
//
// When the apiserver is ready it prints exactly one JSON line on stdout; everything else
// (its own, etcd's and the apiserver's logs) goes to stderr. See README.md.
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"go.etcd.io/etcd/client/pkg/v3/logutil"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/cli/globalflag"
	basecompatibility "k8s.io/component-base/compatibility"
	"k8s.io/component-base/featuregate"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	_ "k8s.io/component-base/logs/json/register" // JSON log format, as in the real binary
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	"k8s.io/kubernetes/cmd/kube-apiserver/app/options"
)

// readyLine is the single JSON line printed on stdout.
type readyLine struct {
	Ready      bool   `json:"ready"`
	URL        string `json:"url,omitempty"`
	Token      string `json:"token,omitempty"`
	CAFile     string `json:"caFile,omitempty"`
	ControlURL string `json:"controlUrl,omitempty"`
	EtcdURL    string `json:"etcdUrl,omitempty"`
	DataDir    string `json:"dataDir,omitempty"`
	Pid        int    `json:"pid,omitempty"`
	Error      string `json:"error,omitempty"`
}

type config struct {
	port            int
	controlPort     int
	etcdPort        int
	dataDir         string
	token           string
	watchCache      bool
	etcdLogLevel    string
	readyTimeout    time.Duration
	shutdownTimeout time.Duration
	stdinEOF        string
	extraArgs       []string
	keepDataDir     bool // dataDir was given by the user
	printStartLog   bool
}

var logger = log.New(os.Stderr, "kube-apiserver-test: ", log.LstdFlags|log.Lmicroseconds)

func main() {
	os.Exit(run())
}

func run() int {
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}

	start := time.Now()
	// Everything after this point that fails prints {"ready":false,...} so a test
	// harness reading stdout gets a reason instead of a bare exit.
	fail := func(err error) int {
		logger.Printf("error: %v", err)
		printJSON(readyLine{Ready: false, Error: err.Error()})
		return 1
	}

	if cfg.dataDir == "" {
		dir, err := os.MkdirTemp("", "kube-apiserver-test-")
		if err != nil {
			return fail(err)
		}
		cfg.dataDir = dir
	} else {
		abs, err := filepath.Abs(cfg.dataDir)
		if err != nil {
			return fail(err)
		}
		cfg.dataDir = abs
		if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
			return fail(err)
		}
	}
	cleanupDir := func() {
		if !cfg.keepDataDir {
			if err := os.RemoveAll(cfg.dataDir); err != nil {
				logger.Printf("removing %s: %v", cfg.dataDir, err)
			}
		}
	}
	defer cleanupDir()

	// ctx is cancelled on SIGTERM/SIGINT/SIGHUP, on stdin EOF, or when a component dies.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	watchSignals(ctx, cancel, cleanupDir)
	// kube-apiserver calls klog.Fatal (os.Exit(255)) when it is stopped while still
	// starting (e.g. "PostStartHook ... failed: context canceled"), skipping our
	// deferred cleanup. Clean up there too, and count a requested stop as a clean exit.
	klog.OsExit = func(code int) {
		if ctx.Err() != nil && requestedStop(context.Cause(ctx)) {
			logger.Printf("kube-apiserver aborted its startup on shutdown")
			printJSON(readyLine{Ready: false, Error: context.Cause(ctx).Error()})
			code = 0
		} else {
			printJSON(readyLine{Ready: false, Error: fmt.Sprintf("kube-apiserver exited with code %d (see stderr)", code)})
		}
		cleanupDir()
		os.Exit(code)
	}
	watchStdin(cfg.stdinEOF, cancel)

	token, err := ensureToken(cfg)
	if err != nil {
		return fail(err)
	}
	saKey, err := ensureServiceAccountKey(filepath.Join(cfg.dataDir, "sa.key"))
	if err != nil {
		return fail(err)
	}
	tokenFile := filepath.Join(cfg.dataDir, "tokens.csv")
	// token,user,uid,"group1,group2"
	if err := os.WriteFile(tokenFile, []byte(fmt.Sprintf("%s,admin,admin,\"system:masters\"\n", token)), 0o600); err != nil {
		return fail(err)
	}
	certDir := filepath.Join(cfg.dataDir, "pki")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return fail(err)
	}

	// Bind our listeners first: a taken --port fails before anything starts.
	tcpLn, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.port)))
	if err != nil {
		return fail(fmt.Errorf("apiserver listener: %w", err))
	}
	apiLn := newTrackingListener(tcpLn)
	controlLn, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.controlPort)))
	if err != nil {
		return fail(fmt.Errorf("control listener: %w", err))
	}

	etcdLevel, err := zap.ParseAtomicLevel(cfg.etcdLogLevel)
	if err != nil {
		return fail(fmt.Errorf("--etcd-log-level: %w", err))
	}
	etcd, etcdURL, err := startEtcd(cfg, etcdLevel)
	if err != nil {
		return fail(fmt.Errorf("starting etcd: %w", err))
	}
	var etcdClient *clientv3.Client
	var etcdOnce sync.Once
	stopEtcd := func() {
		etcdOnce.Do(func() {
			if etcdClient != nil {
				_ = etcdClient.Close()
			}
			// Closing etcd makes its serve loops log "use of closed network connection"
			// errors; they are expected, so silence etcd from here on.
			etcdLevel.SetLevel(zapcore.FatalLevel)
			etcd.Close()
		})
	}
	defer stopEtcd()
	go func() {
		select {
		case err := <-etcd.Err():
			cancel(fmt.Errorf("etcd failed: %w", err))
		case <-ctx.Done():
		}
	}()
	logger.Printf("etcd ready at %s (%.2fs)", etcdURL, time.Since(start).Seconds())

	etcdClient, err = clientv3.New(clientv3.Config{
		Endpoints:   []string{etcdURL},
		DialTimeout: 5 * time.Second,
		Logger:      etcd.GetLogger().Named("control-client"),
	})
	if err != nil {
		return fail(fmt.Errorf("etcd client: %w", err))
	}

	controlSrv := &http.Server{Handler: controlHandler(etcdClient), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = controlSrv.Serve(controlLn) }()
	defer controlSrv.Close()
	controlURL := "http://" + controlLn.Addr().String()

	apiPort := apiLn.Addr().(*net.TCPAddr).Port
	apiURL := "https://" + apiLn.Addr().String()

	args := []string{
		"--etcd-servers=" + etcdURL,
		"--etcd-compaction-interval=0", // compaction only through the control endpoint
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		"--cert-dir=" + certDir,
		"--token-auth-file=" + tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-signing-key-file=" + saKey,
		"--service-account-key-file=" + saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--endpoint-reconciler-type=none",
		"--disable-admission-plugins=ServiceAccount",
		"--allow-privileged=true",
		"--watch-cache=" + strconv.FormatBool(cfg.watchCache),
	}
	args = append(args, cfg.extraArgs...) // later flags win
	if cfg.printStartLog {
		logger.Printf("kube-apiserver %s", strings.Join(args, " "))
	}

	apiErr := make(chan error, 1)
	go func() {
		err := runAPIServer(ctx, args, apiLn)
		apiErr <- err
		if err != nil {
			cancel(fmt.Errorf("kube-apiserver: %w", err))
		} else {
			cancel(errors.New("kube-apiserver stopped"))
		}
	}()

	caFile := filepath.Join(certDir, "apiserver.crt")
	if err := waitReady(ctx, apiURL, token, cfg.readyTimeout); err != nil {
		cancel(err)
		logger.Printf("not ready: %v", err)
		printJSON(readyLine{Ready: false, Error: err.Error()})
		shutdown(apiErr, apiLn, stopEtcd, cfg.shutdownTimeout)
		if requestedStop(context.Cause(ctx)) {
			return 0
		}
		return 1
	}
	logger.Printf("kube-apiserver ready at %s (%.2fs after start)", apiURL, time.Since(start).Seconds())
	printJSON(readyLine{
		Ready:      true,
		URL:        apiURL,
		Token:      token,
		CAFile:     caFile,
		ControlURL: controlURL,
		EtcdURL:    etcdURL,
		DataDir:    cfg.dataDir,
		Pid:        os.Getpid(),
	})

	<-ctx.Done()
	cause := context.Cause(ctx)
	logger.Printf("shutting down: %v", cause)
	_ = controlSrv.Close()
	shutdown(apiErr, apiLn, stopEtcd, cfg.shutdownTimeout)
	if requestedStop(cause) {
		return 0
	}
	return 1
}

// requestedStop tells whether a shutdown cause was asked for (signal, stdin EOF) as
// opposed to a failure.
func requestedStop(cause error) bool {
	var sig signalCause
	return errors.As(cause, &sig) || errors.Is(cause, errStdinClosed)
}

// shutdown waits for the apiserver goroutine to return, then stops etcd.
//
// kube-apiserver's graceful termination waits up to --request-timeout (60s) for open
// connections, and a watch only ends when its client closes it. A test server must not
// take that long: after drain, the connections still open (watches) are closed, as if
// the apiserver had been killed, which lets it finish its own shutdown (stop its
// storage, close its etcd clients) so that etcd can stop at once.
func shutdown(apiErr <-chan error, apiLn *trackingListener, stopEtcd func(), drain time.Duration) {
	t0 := time.Now()
	wait := func(d time.Duration) bool {
		select {
		case err := <-apiErr:
			if err != nil {
				logger.Printf("kube-apiserver exited: %v", err)
			} else {
				logger.Printf("kube-apiserver stopped (%.2fs)", time.Since(t0).Seconds())
			}
			return true
		case <-time.After(d):
			return false
		}
	}
	if !wait(drain) {
		n := apiLn.closeAll()
		logger.Printf("kube-apiserver still draining after %s: closed %d open connection(s)", drain, n)
		if !wait(10 * time.Second) {
			logger.Printf("kube-apiserver did not stop; stopping etcd anyway")
		}
	}
	t1 := time.Now()
	done := make(chan struct{})
	go func() { stopEtcd(); close(done) }()
	select {
	case <-done:
		logger.Printf("etcd stopped (%.2fs)", time.Since(t1).Seconds())
	case <-time.After(10 * time.Second):
		logger.Printf("etcd did not stop within 10s; exiting anyway")
	}
}

// trackingListener remembers the connections it accepted so that shutdown can close
// the ones kube-apiserver would otherwise wait on (open watches).
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func newTrackingListener(l net.Listener) *trackingListener {
	return &trackingListener{Listener: l, conns: map[net.Conn]struct{}{}}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

func (l *trackingListener) closeAll() int {
	l.mu.Lock()
	conns := make([]net.Conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	return len(conns)
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

func parseFlags(argv []string) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("kube-apiserver-test", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s [flags] [-- extra kube-apiserver flags]\n\n", filepath.Base(os.Args[0]))
		fs.PrintDefaults()
	}
	fs.IntVar(&cfg.port, "port", 0, "kube-apiserver secure port on 127.0.0.1 (0 = pick a free port)")
	fs.IntVar(&cfg.controlPort, "control-port", 0, "control HTTP endpoint port on 127.0.0.1 (0 = pick a free port)")
	fs.IntVar(&cfg.etcdPort, "etcd-port", 0, "etcd client port on 127.0.0.1 (0 = pick a free port)")
	fs.StringVar(&cfg.dataDir, "data-dir", "", "directory for etcd data, certificates, keys and the token file; "+
		"kept on exit and reused on the next start (default: a temporary directory removed on exit)")
	fs.StringVar(&cfg.dataDir, "etcd-data-dir", "", "alias of --data-dir")
	fs.StringVar(&cfg.token, "token", "", "admin bearer token (group system:masters); default: reuse the one in --data-dir, else random")
	fs.BoolVar(&cfg.watchCache, "watch-cache", true, "enable the apiserver watch cache (as in real clusters); "+
		"with it, watches from old resourceVersions are served from the cache, not etcd")
	fs.StringVar(&cfg.etcdLogLevel, "etcd-log-level", "error", "embedded etcd log level (debug, info, warn, error, fatal)")
	fs.DurationVar(&cfg.readyTimeout, "ready-timeout", 120*time.Second, "give up if /readyz is not 200 by then")
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", time.Second, "on SIGTERM/SIGINT/stdin EOF, let kube-apiserver drain requests this long, then close connections still open (watches)")
	fs.StringVar(&cfg.stdinEOF, "exit-on-stdin-eof", "auto", "exit when stdin reaches EOF: true, false, or auto (only if stdin is a pipe or socket)")
	fs.BoolVar(&cfg.printStartLog, "print-args", false, "log the kube-apiserver flags used")
	if err := fs.Parse(argv); err != nil {
		return nil, err
	}
	cfg.extraArgs = fs.Args()
	cfg.keepDataDir = cfg.dataDir != ""
	switch cfg.stdinEOF {
	case "auto", "true", "false":
	default:
		return nil, fmt.Errorf("--exit-on-stdin-eof must be auto, true or false")
	}
	return cfg, nil
}

// runAPIServer does what kube-apiserver's cobra command does, but with our context
// (so we decide when it stops) and our pre-bound listener (no port race).
func runAPIServer(ctx context.Context, args []string, ln net.Listener) error {
	s := options.NewServerRunOptions()
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	namedFlagSets := s.Flags()
	globalflag.AddGlobalFlags(namedFlagSets.FlagSet("global"), "kube-apiserver", logs.SkipLoggingConfigurationFlags())
	for _, f := range namedFlagSets.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	s.SecureServing.Listener = ln

	if err := s.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return err
	}
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	featureGate := s.GenericServerRunOptions.ComponentGlobalsRegistry.FeatureGateFor(basecompatibility.DefaultKubeComponent)
	if err := logsapi.ValidateAndApply(s.Logs, featureGate); err != nil {
		return err
	}
	completed, err := s.Complete(ctx)
	if err != nil {
		return err
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return errors.Join(errs...)
	}
	featureGate.(featuregate.MutableFeatureGate).AddMetrics()
	return app.Run(ctx, completed)
}

func startEtcd(cfg *config, level zap.AtomicLevel) (*embed.Etcd, string, error) {
	zc := logutil.DefaultZapLoggerConfig
	zc.Level = level
	zc.OutputPaths = []string{"stderr"}
	zc.ErrorOutputPaths = []string{"stderr"}
	lg, err := zc.Build()
	if err != nil {
		return nil, "", err
	}

	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		clientPort := cfg.etcdPort
		if clientPort == 0 {
			if clientPort, err = freePort(); err != nil {
				return nil, "", err
			}
		}
		peerPort, err := freePort()
		if err != nil {
			return nil, "", err
		}
		clientURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(clientPort))}
		peerURL := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))}

		ec := embed.NewConfig()
		ec.Name = "default"
		ec.Dir = filepath.Join(cfg.dataDir, "etcd")
		ec.UnsafeNoFsync = true
		ec.ListenClientUrls = []url.URL{clientURL}
		ec.AdvertiseClientUrls = []url.URL{clientURL}
		ec.ListenPeerUrls = []url.URL{peerURL}
		ec.AdvertisePeerUrls = []url.URL{peerURL}
		ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
		ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg)
		ec.AutoCompactionMode = embed.CompactorModeRevision
		ec.AutoCompactionRetention = "0" // never: compaction only via the control endpoint
		ec.QuotaBackendBytes = 8 << 30
		// Fast single-node election.
		ec.TickMs = 10
		ec.ElectionMs = 100

		e, err := embed.StartEtcd(ec)
		if err != nil {
			lastErr = err
			if cfg.etcdPort == 0 && strings.Contains(err.Error(), "address already in use") {
				continue
			}
			return nil, "", err
		}
		select {
		case <-e.Server.ReadyNotify():
			return e, clientURL.String(), nil
		case err := <-e.Err():
			e.Close()
			return nil, "", err
		case <-time.After(60 * time.Second):
			e.Close()
			return nil, "", errors.New("etcd did not become ready within 60s")
		}
	}
	return nil, "", lastErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// controlHandler serves the test-control API:
//
//	GET  /healthz   -> 200 "ok"
//	GET  /revision  -> {"revision":N,"compactRevision":M}
//	POST /compact   -> compacts etcd so that every resourceVersion older than the
//	                   newest one is gone (or at ?revision=N):
//	                   {"revision":<current>,"compactRevision":<compacted at>}
func controlHandler(c *clientv3.Client) http.Handler {
	mux := http.NewServeMux()
	var mu sync.Mutex // serialise compactions
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /revision", func(w http.ResponseWriter, r *http.Request) {
		rev, compacted, err := revisions(r.Context(), c)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, map[string]int64{"revision": rev, "compactRevision": compacted})
	})
	mux.HandleFunc("POST /compact", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		fail := func(err error) { http.Error(w, err.Error(), http.StatusInternalServerError) }
		var target int64
		if s := r.URL.Query().Get("revision"); s != "" {
			current, _, err := revisions(ctx, c)
			if err != nil {
				fail(err)
				return
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 || n > current {
				http.Error(w, fmt.Sprintf("revision must be in 1..%d", current), http.StatusBadRequest)
				return
			}
			target = n
		} else {
			// Compact at a fresh revision of our own (a write outside /registry), not at
			// the newest object's: compacting at revision R also drops the previous
			// values that the event at R needs, so a watch from R-1 would fail with a
			// 500 "PrevKv=nil" instead of 410. This way every resourceVersion older than
			// the newest gets 410 and the newest one still watches fine.
			resp, err := c.Put(ctx, "/effect-kube/compact-marker", time.Now().UTC().Format(time.RFC3339Nano))
			if err != nil {
				fail(err)
				return
			}
			target = resp.Header.Revision
		}
		if _, err := c.Compact(ctx, target, clientv3.WithCompactPhysical()); err != nil {
			if !errors.Is(err, rpctypes.ErrCompacted) {
				fail(err)
				return
			}
			// Already compacted past target: nothing to do, report the state.
			current, compacted, err := revisions(ctx, c)
			if err != nil {
				fail(err)
				return
			}
			writeJSON(w, map[string]int64{"revision": current, "compactRevision": compacted})
			return
		}
		// Record it where kube-apiserver's own compactor does; the apiserver watches this
		// key to learn the compacted revision.
		resp, err := c.Put(ctx, "compact_rev_key", strconv.FormatInt(target, 10))
		if err != nil {
			fail(err)
			return
		}
		logger.Printf("compacted etcd at revision %d", target)
		writeJSON(w, map[string]int64{"revision": resp.Header.Revision, "compactRevision": target})
	})
	return mux
}

// revisions returns etcd's current revision and the last compacted one recorded in
// compact_rev_key (0 if never compacted).
func revisions(ctx context.Context, c *clientv3.Client) (int64, int64, error) {
	resp, err := c.Get(ctx, "compact_rev_key")
	if err != nil {
		return 0, 0, err
	}
	var compacted int64
	if len(resp.Kvs) > 0 {
		compacted, _ = strconv.ParseInt(string(resp.Kvs[0].Value), 10, 64)
	}
	return resp.Header.Revision, compacted, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// waitReady polls /readyz until 200, then waits for the "default" namespace (created
// by a post-start controller shortly after readyz) so tests can use it immediately.
func waitReady(ctx context.Context, apiURL, token string, timeout time.Duration) error {
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, // our own loopback server
	}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(timeout)
	var last string
	for _, path := range []string{"/readyz", "/api/v1/namespaces/default"} {
		for {
			if err := context.Cause(ctx); ctx.Err() != nil {
				return err
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("kube-apiserver not ready after %s: GET %s: %s", timeout, path, last)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, apiURL+path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err == nil {
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					logger.Printf("GET %s: 200", path)
					break
				}
				last = fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
			} else {
				last = err.Error()
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

func ensureToken(cfg *config) (string, error) {
	if cfg.token != "" {
		if strings.ContainsAny(cfg.token, ",\"\n\r ") {
			return "", errors.New("--token must not contain commas, quotes or whitespace")
		}
		return cfg.token, nil
	}
	if data, err := os.ReadFile(filepath.Join(cfg.dataDir, "tokens.csv")); err == nil {
		if t, _, ok := strings.Cut(string(data), ","); ok && t != "" {
			return t, nil
		}
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// ensureServiceAccountKey writes an RSA key for signing service account tokens unless
// one is already there (a reused --data-dir keeps issued tokens valid).
func ensureServiceAccountKey(path string) (string, error) {
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// printJSON prints the one stdout line; later calls are ignored.
func printJSON(v readyLine) {
	printOnce.Do(func() {
		b, _ := json.Marshal(v)
		fmt.Fprintln(os.Stdout, string(b))
	})
}

var printOnce sync.Once

type signalCause struct{ sig os.Signal }

func (s signalCause) Error() string { return "received " + s.sig.String() }

var errStdinClosed = errors.New("stdin closed (parent gone)")

// watchSignals cancels on the first SIGTERM/SIGINT; a second one exits at once
// (after removing a temporary data dir).
func watchSignals(ctx context.Context, cancel context.CancelCauseFunc, cleanup func()) {
	// When the parent dies, writing logs to a stderr pipe it held would raise SIGPIPE
	// and kill us before cleanup; with SIGPIPE notified, such writes just fail with
	// EPIPE, and stdin EOF drives a clean shutdown instead.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		sig := <-ch
		cancel(signalCause{sig})
		sig = <-ch
		logger.Printf("second signal (%s): exiting immediately", sig)
		cleanup()
		os.Exit(1)
	}()
}

// watchStdin cancels when stdin reaches EOF, so the server dies with the test runner
// that spawned it with a pipe on stdin, even if that runner was SIGKILLed.
func watchStdin(mode string, cancel context.CancelCauseFunc) {
	if mode == "false" {
		return
	}
	if mode == "auto" {
		fi, err := os.Stdin.Stat()
		if err != nil || fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
			return
		}
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel(errStdinClosed)
	}()
}
