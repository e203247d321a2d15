using System.Collections.Concurrent;

namespace ContinuationState.Internal;

/// <summary>
/// Bounded memory of resolved legacy ids. A legacy mapping never changes once written, so entries need no
/// expiry; the oldest entry goes first when the cache is full.
/// </summary>
internal sealed class LegacyIdCache
{
    private readonly ConcurrentDictionary<string, Guid> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly int _capacity;

    public LegacyIdCache(int capacity) => _capacity = capacity;

    public int Count => _entries.Count;

    public bool TryGet(string legacyId, out Guid conversationId) => _entries.TryGetValue(legacyId, out conversationId);

    public void Set(string legacyId, Guid conversationId)
    {
        if (_capacity <= 0 || !_entries.TryAdd(legacyId, conversationId))
        {
            return;
        }

        _order.Enqueue(legacyId);
        while (_entries.Count > _capacity && _order.TryDequeue(out var oldest))
        {
            _entries.TryRemove(oldest, out _);
        }
    }

    public void Evict(string legacyId) => _entries.TryRemove(legacyId, out _);
}
