//! End-to-end benchmark of `cotisations run` (developer tool, `just bench N`).
//!
//! Generates a synthetic roster of N members (`gen_roster`, fixed seed),
//! runs the real release binary on it several times into a folder on the
//! work disk, and prints the median wall time, appels per second, time and
//! CPU per appel, mean PDF size and peak RSS (from `wait4`). In the same run
//! and the same folder it measures the floor: creating, writing and
//! flushing (`syncfs`) the same number of files with the same sizes on the
//! same number of threads, and prints our time as a multiple of it.
//!
//! Every timed run, ours and the floor's, writes into a folder of its own
//! that does not exist yet, and nothing is deleted until all measurements
//! are done: the work disk is ext4 without a journal, where the kernel
//! avoids reusing an inode for 60 s after its file was deleted (5 minutes
//! while its inode table block is not yet written back), and every file
//! created meanwhile in the same block group first skips, one lookup each,
//! all those recently freed inodes. Creating 10 000 files right after
//! deleting 10 000 costs about 2 s more of system time, and the penalty
//! grows with the square of the count: it would swamp what we measure.
//! Leftovers of an earlier bench are moved aside and deleted at the end
//! with the rest; the bench waits, if needed, until 60 s have passed since
//! the last cleanup (`bench-out/.nettoyage`).
//!
//! On the exercice of the last main run, a projet of ten newcomers and
//! `verify` of the whole exercice are timed once, last, and printed apart. `--scaling` also runs on 1 and 2 threads, and on one thread
//! confined to one core (`sched_setaffinity`: the kernel work the process
//! does, such as `syncfs` write-back, then shares that core too), the three
//! alternating in a rotating order so that each sees the same state of
//! the disk; beside the ratios of the medians it prints the median of each
//! round's own ratio, and the CPU time the hypervisor stole during each
//! configuration's runs (`steal` in `/proc/stat`).
//!
//! The machine is shared and noisy: each figure is the median of `--runs`
//! runs (3 by default); the CPU time per appel (user + system, of the whole
//! process) varies much less than the wall time.
//!
//! Usage: `cargo run --release -p cotisations-devtools --bin bench -- N [--runs R] [--threads T] [--scaling]`

// Timings and ratios are measurements, not money: floats are fine here.
#![allow(clippy::float_arithmetic, clippy::cast_precision_loss)]

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;

struct Measure {
    wall: Duration,
    /// User + system CPU time of the process.
    cpu: Duration,
    max_rss_kb: i64,
}

fn die(message: &str) -> ! {
    eprintln!("bench: {message}");
    std::process::exit(2);
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
        + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
}

/// Spawns `cmd`, waits for it with `wait4` and returns wall time, CPU time
/// and peak RSS.
fn measure(cmd: &mut Command) -> Measure {
    let start = Instant::now();
    // Reaped by `wait4` below, which also gives the peak RSS.
    #[allow(clippy::zombie_processes)]
    let child = cmd.spawn().unwrap_or_else(|e| die(&format!("spawn: {e}")));
    let pid = libc::pid_t::try_from(child.id()).unwrap_or_else(|_| die("pid"));
    let (r, status, usage) = sys::wait4(pid);
    let wall = start.elapsed();
    if r < 0 || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        die(&format!("command failed: {cmd:?} (status {status})"));
    }
    Measure {
        wall,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        max_rss_kb: usage.ru_maxrss,
    }
}

/// CPU time the hypervisor gave to others while this machine wanted it
/// (`steal` in `/proc/stat`, all CPUs), or zero where there is none.
fn stolen() -> Duration {
    let stat = fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks = stat
        .lines()
        .next()
        .and_then(|cpu| cpu.split_whitespace().nth(8))
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(0);
    let hz = u64::try_from(sys::clock_ticks()).unwrap_or(100).max(1);
    Duration::from_millis(ticks * 1000 / hz)
}

fn median_f64(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Writes files of the given sizes like the batch does: `create_new` and write
/// each, one syncfs for all, fsync the folder, then rename it into place
/// (`dir`, which must not exist yet).
fn floor(dir: &Path, sizes: &[u64], threads: usize) -> Duration {
    let staging = dir.with_extension("staging");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|e| die(&e.to_string()));
    let start = Instant::now();
    fs::create_dir_all(staging.join("appels")).unwrap_or_else(|e| die(&e.to_string()));
    pool.install(|| {
        sizes.par_iter().enumerate().for_each(|(i, &size)| {
            // Incompressible-looking but cheap bytes, built per file.
            // The low byte of each index: truncation is the point.
            #[allow(clippy::cast_possible_truncation)]
            let bytes: Vec<u8> = (0..size).map(|j| (j as u8) ^ (i as u8)).collect();
            let path = staging.join("appels").join(format!("AC-2027-{i:06}.pdf"));
            let mut f = File::create_new(&path).unwrap_or_else(|e| die(&e.to_string()));
            f.write_all(&bytes).unwrap_or_else(|e| die(&e.to_string()));
        });
    });
    // The same durability as the batch: one syncfs, then the folder.
    let d = File::open(staging.join("appels")).unwrap_or_else(|e| die(&e.to_string()));
    rustix::fs::syncfs(&d).unwrap_or_else(|e| die(&e.to_string()));
    d.sync_all().unwrap_or_else(|e| die(&e.to_string()));
    fs::rename(&staging, dir).unwrap_or_else(|e| die(&e.to_string()));
    let elapsed = start.elapsed();
    evict(dir);
    elapsed
}

struct Args {
    members: usize,
    runs: usize,
    threads: usize,
    scaling: bool,
}

fn args() -> Args {
    let mut a = Args {
        members: 35_000,
        runs: 3,
        threads: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
        scaling: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut num = |name: &str| -> usize {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| die(&format!("{name} needs a number")))
        };
        match x.as_str() {
            "--runs" => a.runs = num("--runs").max(1),
            "--threads" => a.threads = num("--threads").max(1),
            "--scaling" => a.scaling = true,
            n => {
                a.members = n
                    .parse()
                    .unwrap_or_else(|_| die("usage: bench N [--runs R] [--threads T] [--scaling]"));
            }
        }
    }
    a
}

/// Members of the untimed warm-up runs, and how long they go on.
const WARM_UP_MEMBERS: usize = 1_000;
const WARM_UP: Duration = Duration::from_secs(4);

/// `bench-out/roster-N.csv`, generated once (fixed seed).
fn make_roster(gen_bin: &Path, work: &Path, members: usize) -> PathBuf {
    let roster = work.join(format!("roster-{members}.csv"));
    if !roster.exists() {
        let out = File::create(&roster).unwrap_or_else(|e| die(&e.to_string()));
        measure(Command::new(gen_bin).arg(members.to_string()).stdout(out));
    }
    roster
}

fn run_batch(bin: &Path, roster: &Path, out: &Path, threads: usize) -> Measure {
    let m = measure(&mut batch_command(bin, roster, out, threads));
    evict(out);
    m
}

/// Drops the files under `dir`, written and flushed by a measured run,
/// from the page cache (`POSIX_FADV_DONTNEED`), untimed: each run then
/// starts with the same free memory. Kept, 20 GB of batches later the
/// cache has taken all of it and every run pays the kernel's reclaim
/// (measured: system time 1.4 s in the first runs, 4.3–4.9 s after
/// twenty, for the same 35 000-member batch).
fn evict(dir: &Path) {
    use std::os::fd::AsRawFd as _;
    for path in files_under(dir) {
        if let Ok(f) = File::open(path) {
            sys::drop_cache(f.as_raw_fd());
        }
    }
}

/// Every file under `dir`, in its sub-folders too.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(entries) = fs::read_dir(&d) {
            for e in entries.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(e.path());
                } else {
                    files.push(e.path());
                }
            }
        }
    }
    files
}

/// The same run with the process confined to the first CPU (its threads
/// and the write-back it does in its own context): one core, not only one
/// rendering thread.
fn run_batch_one_core(bin: &Path, roster: &Path, out: &Path) -> Measure {
    let mut cmd = batch_command(bin, roster, out, 1);
    sys::pin_to_first_cpu(&mut cmd);
    let m = measure(&mut cmd);
    evict(out);
    m
}

fn batch_command(bin: &Path, roster: &Path, out: &Path, threads: usize) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(["run", "--roster"])
        .arg(roster)
        .args([
            "--tariff",
            "input-samples/grille-2027.toml",
            "--emetteur",
            "input-samples/emetteur.toml",
        ])
        .arg("--out")
        .arg(out)
        .args([
            "--date-emission",
            "2027-01-15",
            "--emettre",
            "--quiet",
            "--threads",
        ])
        .arg(threads.to_string())
        .stdout(Stdio::null());
    cmd
}

/// Folders of this bench, each new (see the module documentation); all
/// deleted by `cleanup` once the measurements are done.
struct Folders {
    work: PathBuf,
    created: Vec<PathBuf>,
    /// Leftovers of an earlier bench, moved aside.
    trash: Vec<PathBuf>,
}

/// When the last bench deleted its folders.
const CLEANUP_MARK: &str = ".nettoyage";
/// How long the kernel avoids reusing a deleted file's inode once its
/// inode table block is written back (ext4 without journal: `RECENTCY_MIN`).
const INODE_REUSE_DELAY: Duration = Duration::from_secs(61);

impl Folders {
    fn new(work: &Path) -> Folders {
        let mut trash = Vec::new();
        if let Ok(entries) = fs::read_dir(work) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if entry.path().is_dir()
                    && (name.starts_with("lot-")
                        || name.starts_with("plancher-")
                        || name.starts_with(".lot-")
                        || name.starts_with(".corbeille-"))
                {
                    let aside =
                        work.join(format!(".corbeille-{}-{}", std::process::id(), trash.len()));
                    if fs::rename(entry.path(), &aside).is_ok() {
                        trash.push(aside);
                    }
                }
            }
        }
        // Let the inodes freed by the last cleanup become reusable.
        if let Some(age) = fs::metadata(work.join(CLEANUP_MARK))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            && age < INODE_REUSE_DELAY
        {
            let wait = INODE_REUSE_DELAY.checked_sub(age).unwrap();
            eprintln!(
                "bench : attente de {} s (inodes libérés par le dernier nettoyage)",
                wait.as_secs()
            );
            std::thread::sleep(wait);
        }
        Folders {
            work: work.to_path_buf(),
            created: Vec::new(),
            trash,
        }
    }

    /// A folder name not used yet.
    fn next(&mut self, prefix: &str) -> PathBuf {
        let path = self
            .work
            .join(format!("{prefix}-{}", self.created.len() + 1));
        self.created.push(path.clone());
        path
    }

    /// Deletes every folder of the bench (and the leftovers), from several
    /// threads, then flushes and marks the time.
    fn cleanup(self) {
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        for dir in self.created.iter().chain(&self.trash) {
            files.extend(files_under(dir));
            dirs.push(dir.clone());
        }
        // Unlinking waits on the device (the disk is mounted with
        // `discard`): many threads, as `cotisations` itself does.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(16)
            .build()
            .unwrap_or_else(|e| die(&e.to_string()));
        pool.install(|| {
            files.par_iter().for_each(|f| {
                let _ = fs::remove_file(f);
            });
        });
        for d in dirs {
            if let Some(name) = d.file_name() {
                let _ =
                    fs::remove_file(self.work.join(format!(".{}.lock", name.to_string_lossy())));
            }
            let _ = fs::remove_dir_all(d);
        }
        let _ = File::create(self.work.join(CLEANUP_MARK));
        if let Ok(d) = File::open(&self.work) {
            let _ = rustix::fs::syncfs(&d);
        }
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "the benchmark as a script: one measurement after the other, each printed as it ends; split, it would only pass its state around"
)]
fn main() {
    let a = args();
    let target =
        PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
            .join("release");
    let bin = target.join("cotisations");
    let gen_bin = target.join("gen_roster");
    if !bin.exists() || !gen_bin.exists() {
        die("build first: cargo build --release --workspace --bins");
    }
    let work = PathBuf::from("bench-out");
    fs::create_dir_all(&work).unwrap_or_else(|e| die(&e.to_string()));
    // ext4 places a new folder's inodes in its parent's block group, the
    // one the bench's own deletions of up to 100 000 files keep busy with
    // recently freed inodes (see docs/benchmarks-journal.md, "Machine"): file creation
    // then costs two to three times the system time of a folder elsewhere.
    // The « top of hierarchy » flag spreads the bench's folders over the
    // disk like top-level ones. Not ext4, or no chattr: nothing to do.
    let _ = Command::new("chattr")
        .arg("+T")
        .arg(&work)
        .stderr(Stdio::null())
        .status();
    let roster = make_roster(&gen_bin, &work, a.members);
    let warm_up_roster = make_roster(&gen_bin, &work, WARM_UP_MEMBERS.min(a.members));
    let mut folders = Folders::new(&work);
    let lot = format!("lot-{}", a.members);

    // Untimed runs first, for a few seconds: after the wait above (or any
    // idle spell) the machine takes seconds to settle: twelve 1 000-member
    // runs back to back after 30 s idle took 0.48, 0.33, 0.30, 0.31, 0.33,
    // 0.25, 0.24, 0.32, 0.23, 0.25, 0.25 and 0.21 s (system time 0.38 s
    // down to 0.09 s), which would weigh on short benches only.
    let warm_up = Instant::now();
    while warm_up.elapsed() < WARM_UP {
        run_batch(
            &bin,
            &warm_up_roster,
            &folders.next("lot-rodage"),
            a.threads,
        );
    }

    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut rss = 0;
    let mut out = PathBuf::new();
    let mut outs = Vec::new();
    for _ in 0..a.runs {
        out = folders.next(&lot);
        outs.push(out.clone());
        let m = run_batch(&bin, &roster, &out, a.threads);
        walls.push(m.wall);
        cpus.push(m.cpu);
        rss = rss.max(m.max_rss_kb);
    }
    let wall = median(walls);
    let cpu = median(cpus);

    let mut sizes = Vec::new();
    for e in fs::read_dir(out.join("entrees/0001-AC/appels"))
        .unwrap_or_else(|e| die(&e.to_string()))
        .flatten()
    {
        sizes.push(e.metadata().map_or(0, |m| m.len()));
    }
    let appels = sizes.len();
    let total: u64 = sizes.iter().sum();
    let floor_time = median(
        (0..a.runs)
            .map(|_| floor(&folders.next("plancher"), &sizes, a.threads))
            .collect(),
    );

    let secs = wall.as_secs_f64();
    let per_appel = |d: Duration| d.as_secs_f64() * 1e6 / appels.max(1) as f64;
    println!("membres        {}", a.members);
    println!("appels         {appels}");
    println!("fils           {}", a.threads);
    println!("temps (médiane de {}) {secs:.2} s", a.runs);
    println!("appels/s       {:.0}", appels as f64 / secs);
    println!(
        "par appel      {:.0} µs de temps, {:.0} µs de CPU (utilisateur + système)",
        per_appel(wall),
        per_appel(cpu)
    );
    println!(
        "taille moyenne {:.1} Ko",
        total as f64 / appels.max(1) as f64 / 1024.0
    );
    println!("RSS max        {:.1} Mo", rss as f64 / 1024.0);
    println!(
        "plancher E/S   {:.2} s (mêmes fichiers, mêmes tailles, fsync)",
        floor_time.as_secs_f64()
    );
    println!(
        "rapport        {:.2} × le plancher",
        secs / floor_time.as_secs_f64()
    );

    if a.scaling {
        // 1 and 2 threads alternate, so that both see the same state of
        // the disk (each run writes ~1 GB at 35 000 members, and later runs
        // are slower): the ratio compares like with like.
        // The order rotates from round to round (one core, one thread, two
        // threads; then one thread, two threads, one core; …): a run comes
        // right after two others that each wrote a batch, and what they
        // leave behind (write-back, fresh page cache) would otherwise always
        // weigh on the same configuration, the last.
        let (mut cores, mut ones, mut twos) = (Vec::new(), Vec::new(), Vec::new());
        // CPU stolen by the host during each configuration's runs: a
        // two-thread run loses it all, a one-thread run can move to the
        // other core.
        let mut steal = [Duration::ZERO; 3];
        for round in 0..a.runs {
            for config in 0..3 {
                let which = (round + config) % 3;
                let before = stolen();
                match which {
                    0 => cores.push(run_batch_one_core(&bin, &roster, &folders.next(&lot)).wall),
                    1 => ones.push(run_batch(&bin, &roster, &folders.next(&lot), 1).wall),
                    _ => twos.push(run_batch(&bin, &roster, &folders.next(&lot), 2).wall),
                }
                steal[which] += stolen().saturating_sub(before);
            }
        }
        // Every run, in the order they ran, so that the spread shows.
        let runs = |v: &[Duration]| {
            v.iter()
                .map(|d| format!("{:.2}", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "essais        1 cœur {} ; 1 fil {} ; 2 fils {} (s)",
            runs(&cores),
            runs(&ones),
            runs(&twos)
        );
        println!(
            "temps volé     1 cœur {:.2} s ; 1 fil {:.2} s ; 2 fils {:.2} s (par l'hyperviseur, total des essais)",
            steal[0].as_secs_f64(),
            steal[1].as_secs_f64(),
            steal[2].as_secs_f64()
        );
        // The ratio of each round's runs, which ran minutes apart at most:
        // less sensitive than the ratio of medians to the machine's drift.
        let paired = |slow: &[Duration]| {
            median_f64(
                slow.iter()
                    .zip(&twos)
                    .map(|(s, t)| s.as_secs_f64() / t.as_secs_f64())
                    .collect(),
            )
        };
        let (paired_core, paired_one) = (paired(&cores), paired(&ones));
        let (core, one, two) = (median(cores), median(ones), median(twos));
        println!(
            "échelle cœurs  1 cœur {:.2} s, 2 cœurs {:.2} s : × {:.2} (médiane des tours × {paired_core:.2})",
            core.as_secs_f64(),
            two.as_secs_f64(),
            core.as_secs_f64() / two.as_secs_f64()
        );
        println!(
            "échelle fils   1 fil {:.2} s, 2 fils {:.2} s : × {:.2} (médiane des tours × {paired_one:.2})",
            one.as_secs_f64(),
            two.as_secs_f64(),
            one.as_secs_f64() / two.as_secs_f64()
        );
    }

    // Last: on the exercice the last main run issued, a projet of ten
    // newcomers (the roster plus ten members; the register as its index,
    // nothing issued re-read), then the whole proof of that exercice.
    let plus = make_roster(&gen_bin, &work, a.members + 10);
    let mut projet = Command::new(&bin);
    projet
        .args(["run", "--roster"])
        .arg(&plus)
        .args([
            "--tariff",
            "input-samples/grille-2027.toml",
            "--emetteur",
            "input-samples/emetteur.toml",
            "--date-emission",
            "2027-01-15",
            "--quiet",
        ])
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null());
    let projet = measure(&mut projet);
    let verify = measure(
        Command::new(&bin)
            .args(["verify", "--quiet"])
            .arg(&out)
            .stdout(Stdio::null()),
    );
    println!(
        "projet de 10   {:.2} s (10 nouveaux adhérents sur un exercice de {} appels émis)",
        projet.wall.as_secs_f64(),
        a.members
    );
    println!(
        "verify         {:.2} s (l'exercice entier : empreintes, chaîne, registre, séries)",
        verify.wall.as_secs_f64()
    );
    pes_flows(&bin, &outs, appels);
    folders.cleanup();
}

/// `cotisations pes` on each exercice a main run issued (their lots'
/// PDFs evicted from the page cache first, as a flow written the next
/// morning would find them): median appels per second, peak RSS.
fn pes_flows(bin: &Path, outs: &[PathBuf], appels: usize) {
    let mut walls = Vec::new();
    let mut rss = 0;
    let mut bytes = 0;
    for out in outs {
        evict(&out.join("entrees/0001-AC/appels"));
        let m = measure(
            Command::new(bin)
                .args(["pes", "--date", "2027-01-20", "--quiet"])
                .arg(out)
                .stdout(Stdio::null()),
        );
        walls.push(m.wall);
        rss = rss.max(m.max_rss_kb);
        bytes = files_under(&out.join("entrees/0002-PES"))
            .iter()
            .map(|f| f.metadata().map_or(0, |m| m.len()))
            .sum::<u64>();
    }
    let wall = median(walls).as_secs_f64();
    println!(
        "flux PES       {wall:.2} s (médiane de {}), {:.0} appels/s, RSS max {:.1} Mo, {:.0} Mo de flux",
        outs.len(),
        appels as f64 / wall,
        rss as f64 / 1024.0,
        bytes as f64 / 1e6
    );
}

/// The workspace's only unsafe code: the libc calls the measurements need
/// (peak RSS and CPU time of a child, the clock tick, page-cache eviction,
/// CPU pinning), each a plain FFI call with its safety argument.
#[allow(unsafe_code)]
mod sys {
    /// Waits for `pid`: the call's result, the child's status, its usage.
    pub(super) fn wait4(pid: libc::pid_t) -> (libc::pid_t, i32, libc::rusage) {
        let mut status = 0;
        // SAFETY: `rusage` is a C struct for which all-zero bytes are a
        // valid value.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointers to locals.
        let r = unsafe { libc::wait4(pid, &raw mut status, 0, &raw mut usage) };
        (r, status, usage)
    }

    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
    pub(super) fn clock_ticks() -> libc::c_long {
        // SAFETY: `sysconf` has no preconditions.
        unsafe { libc::sysconf(libc::_SC_CLK_TCK) }
    }

    /// Drops the file open on `fd` from the page cache.
    pub(super) fn drop_cache(fd: std::os::fd::RawFd) {
        // SAFETY: a plain call on a descriptor the caller keeps open.
        unsafe { libc::posix_fadvise(fd, 0, 0, libc::POSIX_FADV_DONTNEED) };
    }

    /// Confines the process `cmd` starts to the first CPU.
    pub(super) fn pin_to_first_cpu(cmd: &mut std::process::Command) {
        use std::os::unix::process::CommandExt as _;
        // SAFETY: between fork and exec the closure only calls the
        // async-signal-safe `sched_setaffinity` on a zeroed local `cpu_set_t`.
        unsafe {
            cmd.pre_exec(|| {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(0, &mut set);
                if libc::sched_setaffinity(
                    0,
                    std::mem::size_of::<libc::cpu_set_t>(),
                    &raw const set,
                ) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}
