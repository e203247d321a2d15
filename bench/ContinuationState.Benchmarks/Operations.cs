namespace ContinuationState.Benchmarks;

/// <summary>One contender in a measurement: a client and the conversation it works on (each side has its own).</summary>
internal sealed class Side(IStateClient client, Guid conversation, string conversationId)
{
    private long _fresh;

    public IStateClient Client { get; } = client;

    public Guid Conversation { get; } = conversation;

    public StateKey Key(string userId) => new(conversationId, Conversation, userId);

    /// <summary>A user that has never saved in this conversation, for saves that must insert.</summary>
    public StateKey FreshKey() => Key($"n{Interlocked.Increment(ref _fresh)}");
}

/// <summary>What the untimed set-up steps need: the schema's helpers and a raw client to put rows with.</summary>
internal sealed record BenchContext(BenchDatabase Database, RawClient Putter);

/// <summary>
/// A measured operation: what must hold before the run (<see cref="Prepare"/>, once), before each call
/// (<see cref="Setup"/>, untimed), the key it acts on, and the timed call itself, which checks its outcome.
/// </summary>
internal sealed record Operation(
    string Name,
    int RoundTrips,
    Func<BenchContext, Side, StateKey, Task> Prepare,
    Func<BenchContext, StateKey, Task>? Setup,
    Func<Side, StateKey> KeyOf,
    Func<IStateClient, StateKey, Task> Run)
{
    public const string Main = "main";

    public static readonly Operation SaveNew = new(
        "save_new", 1, ClearAsync, null, s => s.FreshKey(), (c, k) => c.SaveAsync(k));

    public static readonly Operation SaveExisting = new(
        "save_existing", 1, PutAsync, null, s => s.Key(Main), (c, k) => c.SaveAsync(k));

    public static readonly Operation LoadHit = new(
        "load_hit", 1, PutAsync, null, s => s.Key(Main), async (c, k) => Expect(await c.LoadAsync(k), true, "load of a saved state"));

    public static readonly Operation LoadMiss = new(
        "load_miss", 1, ClearAsync, null, s => s.Key("absent"), async (c, k) => Expect(await c.LoadAsync(k), false, "load of an absent state"));

    public static readonly Operation Claim = new(
        "claim", 1, PutAsync, (x, k) => x.Database.SetPendingAsync(k), s => s.Key(Main), async (c, k) => Expect(await c.ClaimAsync(k), true, "claim"));

    public static readonly Operation Release = new(
        "release", 1, PutAsync, (x, k) => x.Database.SetResumingAsync(k), s => s.Key(Main), async (c, k) => Expect(await c.ReleaseAsync(k), true, "release"));

    public static readonly Operation Delete = new(
        "delete", 1, PutTemplateAsync, (x, k) => x.Database.CopyTemplateAsync(k), s => s.Key("deleted"), async (c, k) => Expect(await c.DeleteAsync(k), true, "delete"));

    /// <summary>A whole pause and resume: save, claim, delete (three operations, three round trips).</summary>
    public static readonly Operation Cycle = new(
        "cycle", 3, ClearAsync, null, s => s.Key("cycle"), async (c, k) =>
        {
            await c.SaveAsync(k);
            Expect(await c.ClaimAsync(k), true, "claim in a cycle");
            Expect(await c.DeleteAsync(k), true, "delete in a cycle");
        });

    public static readonly IReadOnlyList<Operation> All = [SaveNew, SaveExisting, LoadHit, LoadMiss, Claim, Release, Delete, Cycle];

    /// <summary>The operations that need no per-call set-up, so many callers can run them back to back.</summary>
    public static readonly IReadOnlyList<Operation> Concurrent = [SaveExisting, LoadHit, Cycle];

    private static Task ClearAsync(BenchContext context, Side side, StateKey key) => context.Database.ClearAsync(side.Conversation);

    private static Task PutAsync(BenchContext context, Side side, StateKey key) => context.Putter.SaveAsync(key);

    private static async Task PutTemplateAsync(BenchContext context, Side side, StateKey key)
    {
        await context.Database.ClearAsync(side.Conversation);
        await context.Putter.SaveAsync(side.Key("template"));
    }

    private static void Expect(bool actual, bool expected, string what)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"Unexpected outcome of {what}: {actual}.");
        }
    }
}
