using System.Diagnostics;

namespace ContinuationState.Benchmarks;

/// <summary>How long and how often to measure; <see cref="Quick"/> fits the three-minute budget.</summary>
/// <param name="SecondsPerSide">How long each side runs in a sequential cell, over all its blocks.</param>
/// <param name="BlockSeconds">
/// How long one round lasts (both sides, call by call); a call longer than this gets a round of its own per side.
/// Each round starts after a full collection.
/// </param>
/// <param name="MinRounds">The fewest blocks per side, however slow the call.</param>
/// <param name="MaxRounds">The most blocks per side.</param>
/// <param name="MaxPerRound">The most calls in one block.</param>
/// <param name="WarmSeconds">Untimed calls per side before a cell.</param>
/// <param name="ConcurrentSecondsPerSide">How long each side runs in a concurrent cell.</param>
internal sealed record MeasureSettings(
    double SecondsPerSide,
    double BlockSeconds,
    int MinRounds,
    int MaxRounds,
    int MaxPerRound,
    double WarmSeconds,
    double ConcurrentSecondsPerSide)
{
    public static readonly MeasureSettings Quick = new(0.5, 0.04, 12, 16, 5_000, 0.05, 0.6);

    public static readonly MeasureSettings Full = new(2.0, 0.05, 16, 40, 50_000, 0.25, 2);
}

/// <summary>One contender's next call in a sequential cell: runs the call's untimed set-up and returns the timed call.</summary>
internal delegate Task<Func<Task>> NextCall();

/// <summary>What one side measured in one cell.</summary>
internal sealed record SideResult(int Samples, double OpsPerSec, double P50Ms, double P99Ms, double AllocBytesPerOp, double RoundTripsPerOp, int Errors, string? FirstError);

/// <summary>
/// The library and the baseline measured in the same cell, interleaved. <paramref name="PairedRatio"/> is the median,
/// over pairs of rounds (one in each order), of the ratio measured within a round (raw's median time per call / the library's, or the library's
/// throughput / raw's), where both sides ran back to back: a burst of load from elsewhere on the machine skews one
/// round, not the answer. <paramref name="RoundRatios"/> are the rounds' own ratios, in the order they ran.
/// </summary>
internal sealed record CellResult(SideResult Library, SideResult Raw, double PairedRatio, IReadOnlyList<double> RoundRatios);

/// <summary>
/// Runs one operation for the library and the raw baseline in rounds that alternate which goes first: short calls
/// alternate call by call within a round, long ones (large payloads) run one per side after the server settles, so
/// drift on a shared machine falls on both alike. Each call is timed alone; set-up is not timed.
/// Allocation is <see cref="GC.GetTotalAllocatedBytes(bool)"/> around each call: all threads, as async work
/// continues on the thread pool.
/// </summary>
internal sealed class Measurement(BenchContext context, MeasureSettings settings)
{
    /// <summary>
    /// Untimed saves of a large state each contender makes, on distinct keys, before its first large cell. Measured: a
    /// new backend's first large saves, and saves into a table with no free space for rows that size, run at a half or
    /// a third of the settled speed for the first ten or more; three were not enough once lz4 made the rows larger.
    /// </summary>
    public const int WarmSaves = 12;

    /// <summary>Untimed work before every block of calls (settling the server between blocks of large payloads).</summary>
    public Func<Task>? BeforeBlock { get; set; }

    private static readonly double TicksPerMs = Stopwatch.Frequency / 1000.0;

    public async Task<CellResult> SequentialAsync(Operation operation, Side library, Side raw)
    {
        await operation.Prepare(context, library, operation.KeyOf(library));
        await operation.Prepare(context, raw, operation.KeyOf(raw));
        try
        {
            return await SequentialAsync(NextCall(operation, library), NextCall(operation, raw));
        }
        finally
        {
            await context.Database.ClearAsync(library.Conversation);
            await context.Database.ClearAsync(raw.Conversation);
        }
    }

    /// <summary>
    /// The cell itself, for any pair of contenders: each <see cref="NextCall"/> runs one call's untimed set-up and
    /// returns the timed call. The caller prepares and cleans up around it.
    /// </summary>
    public async Task<CellResult> SequentialAsync(NextCall library, NextCall raw)
    {
        var (libraryTrips, libraryEstimate) = await WarmAsync(library);
        var (rawTrips, rawEstimate) = await WarmAsync(raw);
        var estimate = Math.Max(libraryEstimate, rawEstimate);
        var perRound = (int)Math.Clamp(settings.BlockSeconds / estimate, 1, settings.MaxPerRound);
        var rounds = (int)Math.Clamp(settings.SecondsPerSide / (perRound * estimate), settings.MinRounds, settings.MaxRounds);
        rounds += rounds % 2; // whole pairs of rounds, one in each order

        var librarySamples = new Samples();
        var rawSamples = new Samples();
        var roundRatios = new List<double>(rounds);
        for (var round = 0; round < rounds; round++)
        {
            var order = round % 2 == 0 ? new[] { (library, librarySamples), (raw, rawSamples) } : [(raw, rawSamples), (library, librarySamples)];
            var libraryBefore = librarySamples.Snapshot();
            var rawBefore = rawSamples.Snapshot();
            if (perRound > 1)
            {
                // Short calls alternate one by one: a round is a few dozen milliseconds of this machine's weather,
                // and both sides live through it call for call.
                await SettleAsync();
                for (var i = 0; i < perRound; i++)
                {
                    foreach (var (side, samples) in order)
                    {
                        await OnceAsync(side, samples);
                    }
                }
            }
            else
            {
                // Long calls (large payloads) run one per side, each after the server and the heap have settled.
                foreach (var (side, samples) in order)
                {
                    await SettleAsync();
                    await OnceAsync(side, samples);
                }
            }

            roundRatios.Add(rawSamples.TypicalMsSince(rawBefore) / librarySamples.TypicalMsSince(libraryBefore));
        }

        return new CellResult(librarySamples.Result(libraryTrips), rawSamples.Result(rawTrips), PairedMedian(roundRatios), roundRatios);
    }

    /// <summary>
    /// <paramref name="callers"/> tasks each run the operation back to back on their own key for a fixed time;
    /// throughput is calls over wall time, latency each call's, allocation the process total over calls.
    /// </summary>
    public async Task<CellResult> ConcurrentAsync(Operation operation, Side library, Side raw, int callers)
    {
        foreach (var side in new[] { library, raw })
        {
            for (var caller = 0; caller < callers; caller++)
            {
                await operation.Prepare(context, side, side.Key($"c{caller}"));
            }
        }

        try
        {
            return await ConcurrentAsync(
                caller => Call(operation, library, library.Key($"c{caller}")),
                caller => Call(operation, raw, raw.Key($"c{caller}")),
                callers);
        }
        finally
        {
            await context.Database.ClearAsync(library.Conversation);
            await context.Database.ClearAsync(raw.Conversation);
        }
    }

    /// <summary>
    /// The concurrent cell itself, for any pair of contenders: <paramref name="library"/> and <paramref name="raw"/>
    /// give each caller (0 to <paramref name="callers"/> - 1) the call it repeats. The caller prepares and cleans up.
    /// </summary>
    public async Task<CellResult> ConcurrentAsync(Func<int, Func<Task>> library, Func<int, Func<Task>> raw, int callers)
    {
        var librarySamples = new Samples();
        var rawSamples = new Samples();
        await WorkersAsync(library, callers, settings.WarmSeconds * 2, new Samples());
        await WorkersAsync(raw, callers, settings.WarmSeconds * 2, new Samples());
        var rounds = Math.Max(2, settings.MinRounds / 2);
        var roundRatios = new List<double>(rounds);
        for (var round = 0; round < rounds; round++)
        {
            var order = round % 2 == 0 ? new[] { (library, librarySamples), (raw, rawSamples) } : [(raw, rawSamples), (library, librarySamples)];
            var throughput = new Dictionary<Func<int, Func<Task>>, double>();
            foreach (var (side, samples) in order)
            {
                Quiesce();
                throughput[side] = await WorkersAsync(side, callers, settings.ConcurrentSecondsPerSide / rounds, samples);
            }

            roundRatios.Add(throughput[library] / throughput[raw]);
        }

        return new CellResult(librarySamples.Result(double.NaN), rawSamples.Result(double.NaN), PairedMedian(roundRatios), roundRatios);
    }

    /// <summary>
    /// Several contenders in one cell, for comparisons that need more than a pair (the host's data source and the
    /// library's own, each against raw prepared Npgsql on a data source with the same settings): the same rounds as
    /// <see cref="SequentialAsync(NextCall, NextCall)"/>, every contender in each round, in the given order in even
    /// rounds and reversed in odd ones, so a pair of rounds puts every contender at the same mean position.
    /// </summary>
    public async Task<MultiCell> SequentialAsync(IReadOnlyList<NextCall> contenders)
    {
        var trips = new double[contenders.Count];
        var estimate = 0.0;
        for (var i = 0; i < contenders.Count; i++)
        {
            (trips[i], var seconds) = await WarmAsync(contenders[i]);
            estimate = Math.Max(estimate, seconds);
        }

        var perRound = (int)Math.Clamp(settings.BlockSeconds / estimate, 1, settings.MaxPerRound);
        var rounds = (int)Math.Clamp(settings.SecondsPerSide / (perRound * estimate), settings.MinRounds, settings.MaxRounds);
        rounds += rounds % 2;

        var samples = contenders.Select(_ => new Samples()).ToArray();
        var typical = new List<double[]>(rounds);
        for (var round = 0; round < rounds; round++)
        {
            var order = Enumerable.Range(0, contenders.Count).ToArray();
            if (round % 2 == 1)
            {
                Array.Reverse(order);
            }

            var before = samples.Select(s => s.Snapshot()).ToArray();
            if (perRound > 1)
            {
                await SettleAsync();
                for (var call = 0; call < perRound; call++)
                {
                    foreach (var i in order)
                    {
                        await OnceAsync(contenders[i], samples[i]);
                    }
                }
            }
            else
            {
                foreach (var i in order)
                {
                    await SettleAsync();
                    await OnceAsync(contenders[i], samples[i]);
                }
            }

            // Each contender's typical call time in this round; a ratio is taken within a round, then paired.
            typical.Add([.. samples.Select((s, i) => s.TypicalMsSince(before[i]))]);
        }

        return new MultiCell([.. samples.Select((s, i) => s.Result(trips[i]))], typical, higherIsFaster: false);
    }

    /// <summary>
    /// Several contenders' callers in turn, each for its share of the time in every round (order reversed in odd
    /// rounds); a round's figure per contender is its throughput.
    /// </summary>
    public async Task<MultiCell> ConcurrentAsync(IReadOnlyList<Func<int, Func<Task>>> contenders, int callers)
    {
        foreach (var contender in contenders)
        {
            await WorkersAsync(contender, callers, settings.WarmSeconds * 2, new Samples());
        }

        var samples = contenders.Select(_ => new Samples()).ToArray();
        var rounds = Math.Max(2, settings.MinRounds / 2);
        rounds += rounds % 2;
        var throughput = new List<double[]>(rounds);
        for (var round = 0; round < rounds; round++)
        {
            var order = Enumerable.Range(0, contenders.Count).ToArray();
            if (round % 2 == 1)
            {
                Array.Reverse(order);
            }

            var figures = new double[contenders.Count];
            foreach (var i in order)
            {
                Quiesce();
                figures[i] = await WorkersAsync(contenders[i], callers, settings.ConcurrentSecondsPerSide / rounds, samples[i]);
            }

            throughput.Add(figures);
        }

        return new MultiCell([.. samples.Select(s => s.Result(double.NaN))], throughput, higherIsFaster: true);
    }

    /// <summary>
    /// What several contenders measured in one cell: each one's results, and each round's figure per contender (a typical
    /// call time, or a throughput), from which any two are compared as a pair's cell is.
    /// </summary>
    internal sealed class MultiCell(IReadOnlyList<SideResult> sides, IReadOnlyList<double[]> rounds, bool higherIsFaster)
    {
        public IReadOnlyList<SideResult> Sides { get; } = sides;

        /// <summary>Contender <paramref name="ours"/> against <paramref name="theirs"/>, as <see cref="CellResult"/> reports a pair.</summary>
        public CellResult Compare(int ours, int theirs)
        {
            var ratios = rounds.Select(r => higherIsFaster ? r[ours] / r[theirs] : r[theirs] / r[ours]).ToList();
            return new CellResult(Sides[ours], Sides[theirs], PairedMedian([.. ratios]), ratios);
        }
    }

    /// <summary>An operation's calls on one side, each on the key the operation picks, after its untimed set-up.</summary>
    internal NextCall NextCall(Operation operation, Side side) => async () =>
    {
        var key = operation.KeyOf(side);
        if (operation.Setup is { } setup)
        {
            await setup(context, key);
        }

        return Call(operation, side, key);
    };

    internal static Func<Task> Call(Operation operation, Side side, StateKey key) => () => operation.Run(side.Client, key);

    /// <summary>Warms the call up, counts its round trips on the first call, and estimates one call's cost.</summary>
    private async Task<(double RoundTrips, double SecondsPerCall)> WarmAsync(NextCall next)
    {
        double trips;
        var started = Stopwatch.GetTimestamp();
        using (RoundTripCounter.Listen())
        {
            var first = await next();
            var before = RoundTripCounter.Commands;
            await first();
            trips = RoundTripCounter.Commands - before;
        }

        var estimates = new List<double> { Stopwatch.GetElapsedTime(started).TotalSeconds };
        var warmed = Stopwatch.GetTimestamp();
        var calls = 0;
        while (Stopwatch.GetElapsedTime(warmed).TotalSeconds < settings.WarmSeconds && calls < 200)
        {
            var call = Stopwatch.GetTimestamp();
            await (await next())();
            estimates.Add(Stopwatch.GetElapsedTime(call).TotalSeconds);
            calls++;
        }

        // The median call, set-up included: one stall must not shrink the run.
        estimates.Sort();
        return (trips, estimates[estimates.Count / 2]);
    }

    private static async Task OnceAsync(NextCall next, Samples samples)
    {
        var call = await next();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        await call();
        var elapsed = Stopwatch.GetTimestamp() - started;
        samples.Add(elapsed / TicksPerMs, GC.GetTotalAllocatedBytes(precise: true) - allocated);
    }

    /// <summary>
    /// Rounds alternate which side goes first, and going first or second can matter (the pool, the caches, the
    /// settling before a block): each round is taken together with the next, which ran in the other order (their
    /// geometric mean), and the median of those pairs is the answer.
    /// </summary>
    private static double PairedMedian(List<double> roundRatios)
    {
        var pairs = new List<double>(roundRatios.Count / 2);
        for (var i = 0; i + 1 < roundRatios.Count; i += 2)
        {
            pairs.Add(Math.Sqrt(roundRatios[i] * roundRatios[i + 1]));
        }

        return Median(pairs.Count > 0 ? pairs : [.. roundRatios]);
    }

    internal static double Median(List<double> values)
    {
        values.Sort();
        var n = values.Count;
        return n == 0 ? double.NaN : n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }

    /// <summary>Runs the callers for <paramref name="seconds"/>; returns their calls per second.</summary>
    private static async Task<double> WorkersAsync(Func<int, Func<Task>> callOf, int callers, double seconds, Samples samples)
    {
        var latencies = new List<double>[callers];
        var errors = 0;
        string? firstError = null;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(seconds * Stopwatch.Frequency);
        var workers = new Task[callers];
        for (var caller = 0; caller < callers; caller++)
        {
            var mine = latencies[caller] = new List<double>(1024);
            var run = callOf(caller);
            workers[caller] = Task.Run(async () =>
            {
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    var call = Stopwatch.GetTimestamp();
                    try
                    {
                        await run();
                        mine.Add((Stopwatch.GetTimestamp() - call) / TicksPerMs);
                    }
#pragma warning disable CA1031 // Every failure is counted and reported; the run goes on.
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                    }
                }
            });
        }

        await Task.WhenAll(workers);
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var calls = latencies.Sum(l => l.Count);
        samples.AddBatch(latencies.SelectMany(l => l), wall, GC.GetTotalAllocatedBytes(precise: true) - allocated, calls, errors, firstError);
        return calls / wall;
    }

    private async Task SettleAsync()
    {
        if (BeforeBlock is { } settle)
        {
            await settle();
        }

        Quiesce();
    }

    // Garbage from the previous round is collected before this one, not during it.
    private static void Quiesce()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    private sealed class Samples
    {
        private readonly List<double> _latencies = [];
        private double _wallSeconds;
        private long _allocated;
        private int _calls;
        private int _errors;
        private string? _firstError;
        private bool _batched;

        /// <summary>Where the samples stand, for <see cref="MeanMsSince"/>.</summary>
        public int Snapshot() => _latencies.Count;

        /// <summary>
        /// The typical time of the calls added since <paramref name="snapshot"/>: their median, so that one call that
        /// waited for another process's time slice does not decide the round.
        /// </summary>
        public double TypicalMsSince(int snapshot) => Median([.. _latencies.Skip(snapshot)]);

        public void Add(double ms, long allocatedBytes)
        {
            _latencies.Add(ms);
            _wallSeconds += ms / 1000;
            _allocated += allocatedBytes;
            _calls++;
        }

        /// <summary>
        /// One caller's throughput: calls over their summed time, leaving out upper outliers (beyond the third
        /// quartile plus 1.5 interquartile ranges, as BenchmarkDotNet does): on a shared machine a call that waited
        /// for another process's time slice measures the machine, not the code.
        /// </summary>
        private double TrimmedOpsPerSecond()
        {
            var n = _latencies.Count;
            if (n == 0)
            {
                return 0;
            }

            var q1 = _latencies[(int)(0.25 * (n - 1))];
            var q3 = _latencies[(int)(0.75 * (n - 1))];
            var fence = q3 + (1.5 * (q3 - q1));
            var kept = _latencies.TakeWhile(l => l <= fence).ToList();
            return kept.Count / (kept.Sum() / 1000);
        }

        public void AddBatch(IEnumerable<double> latencies, double wallSeconds, long allocatedBytes, int calls, int errors, string? firstError)
        {
            _batched = true;
            _latencies.AddRange(latencies);
            _wallSeconds += wallSeconds;
            _allocated += allocatedBytes;
            _calls += calls;
            _errors += errors;
            _firstError ??= firstError;
        }

        public SideResult Result(double roundTrips)
        {
            _latencies.Sort();
            var n = _latencies.Count;
            double Percentile(double p) => n == 0 ? double.NaN : _latencies[Math.Clamp((int)Math.Ceiling(p * n) - 1, 0, n - 1)];
            return new SideResult(
                n,
                _batched ? _calls / _wallSeconds : TrimmedOpsPerSecond(),
                Percentile(0.50),
                Percentile(0.99),
                _calls > 0 ? (double)_allocated / _calls : double.NaN,
                _batched ? double.NaN : roundTrips,
                _errors,
                _firstError);
        }
    }
}
