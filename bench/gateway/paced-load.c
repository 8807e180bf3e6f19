/*
 * Open-loop HTTP/1.1 load at a fixed rate, for the gateway bench's half-load comparison.
 *
 * Why C: the Node load generator shares the machine's two cores with the mock, the broker and the gateway,
 * and its own GC pauses and timer slips release bursts of due requests at once. Those bursts queue at the
 * target and show up as "added latency" of the target. This client costs a few microseconds per request
 * and allocates nothing while it runs.
 *
 * Arrivals are evenly spaced (request i is due at t0 + i/rate, whatever the responses do). A due request
 * goes out on a free keep-alive connection at once, or waits for one; its latency runs from the moment it
 * was due to the last byte of its response, so waiting for a connection counts (no coordinated omission).
 *
 * Usage: paced-load <host> <port> <rate> <seconds> <connections> <request-file>
 * The request file holds the whole raw request (request line, headers, blank line, body).
 * Prints one JSON object: {"sent","ok","errors","p50","p90","p99","p999","max"} (latencies in ms).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 256
#define BUF_SIZE 65536

typedef struct {
  int fd;
  int busy;
  uint64_t due_ns; /* when the request on this connection was due */
  size_t used;     /* bytes of the current response in buf */
  char buf[BUF_SIZE];
} conn_t;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double pct(uint64_t *sorted, size_t n, double p) {
  if (n == 0) return -1;
  size_t i = (size_t)((p / 100.0) * (double)n);
  if (i >= n) i = n - 1;
  return (double)sorted[i] / 1e6;
}

static int open_conn(const char *host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, host, &addr.sin_addr);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

static int send_all(int fd, const char *data, size_t len) {
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, data + off, len - off);
    if (n > 0) off += (size_t)n;
    else if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    else return -1;
  }
  return 0;
}

/*
 * Returns the response's total length when buf holds a whole response, 0 when more bytes are needed,
 * -1 when it cannot be parsed. *status receives the status code.
 */
static long complete_length(const char *buf, size_t used, int *status) {
  const char *end = memmem(buf, used, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t head = (size_t)(end - buf) + 4;
  if (used < 12) return 0;
  *status = atoi(buf + 9);
  long content_length = -1;
  int chunked = 0;
  for (const char *line = memchr(buf, '\n', head); line && line < buf + head; line = memchr(line, '\n', (size_t)(buf + head - line))) {
    line++;
    if (strncasecmp(line, "content-length:", 15) == 0) content_length = atol(line + 15);
    else if (strncasecmp(line, "transfer-encoding:", 18) == 0 && memmem(line, 40, "chunked", 7)) chunked = 1;
  }
  if (content_length >= 0) return used >= head + (size_t)content_length ? (long)(head + (size_t)content_length) : 0;
  if (!chunked) return -1;
  size_t at = head;
  for (;;) {
    const char *eol = memmem(buf + at, used - at, "\r\n", 2);
    if (!eol) return 0;
    long size = strtol(buf + at, NULL, 16);
    at = (size_t)(eol - buf) + 2;
    if (size == 0) return used >= at + 2 ? (long)(at + 2) : 0;
    at += (size_t)size + 2;
    if (at > used) return 0;
  }
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s host port rate seconds connections request-file\n", argv[0]);
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]);
  double rate = atof(argv[3]);
  double seconds = atof(argv[4]);
  int nconns = atoi(argv[5]);
  if (nconns < 1 || nconns > MAX_CONNS || rate <= 0 || seconds <= 0) return 2;

  FILE *f = fopen(argv[6], "rb");
  if (!f) return 2;
  static char request[BUF_SIZE];
  size_t request_len = fread(request, 1, sizeof request, f);
  fclose(f);

  uint64_t interval = (uint64_t)(1e9 / rate);
  size_t total = (size_t)(rate * seconds);
  uint64_t *latencies = calloc(total, sizeof *latencies);
  uint64_t *queue = calloc(total, sizeof *queue); /* due times waiting for a free connection */
  static conn_t conns[MAX_CONNS];
  size_t q_head = 0, q_tail = 0, sent = 0, done = 0, ok = 0, errors = 0;

  int ep = epoll_create1(0);
  for (int i = 0; i < nconns; i++) {
    conns[i].fd = open_conn(host, port);
    if (conns[i].fd < 0) {
      fprintf(stderr, "connect %s:%d failed\n", host, port);
      return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  struct epoll_event tev = {.events = EPOLLIN, .data.u32 = MAX_CONNS};
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &tev);

  uint64_t t0 = now_ns() + 1000000;
  uint64_t deadline = t0 + (uint64_t)(seconds * 1e9) + 30000000000ull; /* stragglers get 30 s */
  struct epoll_event events[MAX_CONNS + 1];

  while (done < total && now_ns() < deadline) {
    uint64_t now = now_ns();
    while (sent < total && t0 + sent * interval <= now) queue[q_tail++] = t0 + (sent++) * interval;
    for (int i = 0; i < nconns && q_head < q_tail; i++) {
      if (conns[i].busy || conns[i].fd < 0) continue;
      conns[i].busy = 1;
      conns[i].used = 0;
      conns[i].due_ns = queue[q_head++];
      if (send_all(conns[i].fd, request, request_len) != 0) {
        errors++, done++, conns[i].busy = 0;
      }
    }
    if (sent < total) {
      struct itimerspec its = {0};
      uint64_t next = t0 + sent * interval;
      its.it_value.tv_sec = (time_t)(next / 1000000000ull);
      its.it_value.tv_nsec = (long)(next % 1000000000ull);
      timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
    }
    int n = epoll_wait(ep, events, MAX_CONNS + 1, 1000);
    for (int e = 0; e < n; e++) {
      uint32_t i = events[e].data.u32;
      if (i == MAX_CONNS) {
        uint64_t expirations;
        (void)!read(tfd, &expirations, sizeof expirations);
        continue;
      }
      conn_t *c = &conns[i];
      for (;;) {
        ssize_t r = read(c->fd, c->buf + c->used, BUF_SIZE - c->used);
        if (r > 0) {
          c->used += (size_t)r;
          if (c->used == BUF_SIZE) break;
          continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
        /* closed or failed: count the request lost and reconnect */
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        if (c->busy) errors++, done++;
        c->busy = 0;
        c->fd = open_conn(host, port);
        if (c->fd >= 0) {
          struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
          epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
        }
        break;
      }
      if (!c->busy) continue;
      int status = 0;
      long length = complete_length(c->buf, c->used, &status);
      if (length == 0 && c->used < BUF_SIZE) continue;
      uint64_t finished = now_ns();
      if (length > 0 && status == 200) latencies[ok++] = finished - c->due_ns;
      else errors++;
      done++;
      c->busy = 0;
      c->used = 0;
    }
  }

  qsort(latencies, ok, sizeof *latencies, cmp_u64);
  printf("{\"sent\":%zu,\"ok\":%zu,\"errors\":%zu,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}\n",
         sent, ok, errors + (total - done), pct(latencies, ok, 50), pct(latencies, ok, 90), pct(latencies, ok, 99),
         pct(latencies, ok, 99.9), ok ? (double)latencies[ok - 1] / 1e6 : -1);
  return 0;
}
