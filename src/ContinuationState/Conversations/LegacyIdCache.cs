using System.Collections.Concurrent;

namespace ContinuationState.Internal;

/// <summary>
/// Bounded memory of resolved legacy ids. A legacy mapping never changes once written, so entries need no
/// expiry; the oldest entry goes first when the cache is full.
/// </summary>
internal sealed class LegacyIdCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<KeyValuePair<string, Entry>> _order = new();
    private readonly int _capacity;
    private long _generation;

    public LegacyIdCache(int capacity) => _capacity = capacity;

    public bool TryGet(string legacyId, out Guid conversationId)
    {
        var found = _entries.TryGetValue(legacyId, out var entry);
        conversationId = entry.ConversationId;
        return found;
    }

    public void Set(string legacyId, Guid conversationId)
    {
        var entry = new Entry(conversationId, Interlocked.Increment(ref _generation));
        if (_capacity <= 0 || !_entries.TryAdd(legacyId, entry))
        {
            return;
        }

        _order.Enqueue(KeyValuePair.Create(legacyId, entry));
        while (_entries.Count > _capacity && _order.TryDequeue(out var oldest))
        {
            // Removes only the entry this queue item was made for: an id evicted and cached again keeps its new entry.
            _entries.TryRemove(oldest);
        }
    }

    public void Evict(string legacyId) => _entries.TryRemove(legacyId, out _);

    private readonly record struct Entry(Guid ConversationId, long Generation);
}
