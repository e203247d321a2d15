using System.Runtime.InteropServices;
using System.Text.Json;

namespace ContinuationState.Serialization;

/// <summary>
/// The member names of the <see cref="JsonElement"/> objects being copied, compared as UTF-8 so that no name becomes
/// a string unless it has escapes. One frame per open object, on one stack shared by the nesting levels. A name
/// without escapes is read back from its property's raw UTF-8 whenever it is compared; a name with escapes is
/// stored decoded, as the key jsonb would see.
/// </summary>
internal sealed class ElementMemberNames
{
    // Objects up to this many members are searched linearly (every chat message); larger ones get a hash set.
    private const int LinearLimit = 16;

    private Entry[] _entries = new Entry[8];
    private int _count;
    private IndexComparer? _comparer;

    /// <summary>Starts the names of a new object.</summary>
    public Frame Open() => new(_count, null);

    /// <summary>Forgets the names of the object that <paramref name="frame"/> was opened for.</summary>
    public void Close(Frame frame)
    {
        // Entries hold the caller's document; don't keep it reachable.
        _entries.AsSpan(frame.Start, _count - frame.Start).Clear();
        _count = frame.Start;
    }

    /// <summary>
    /// Adds the name of <paramref name="property"/>: its raw UTF-8 when <paramref name="decoded"/> is null (the raw
    /// name then has no escapes), else <paramref name="decoded"/>. Returns false when the object already has it.
    /// </summary>
    public bool TryAdd(ref Frame frame, JsonProperty property, byte[]? decoded)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        var index = _count;
        _entries[index] = new Entry(property, decoded);
        var name = NameAt(index);
        if (frame.Index is { } set)
        {
            if (!set.Add(index))
            {
                _entries[index] = default;
                return false;
            }
        }
        else
        {
            for (var i = frame.Start; i < index; i++)
            {
                if (NameAt(i).SequenceEqual(name))
                {
                    _entries[index] = default;
                    return false;
                }
            }

            if (index + 1 - frame.Start > LinearLimit)
            {
                _comparer ??= new IndexComparer(this);
                set = new HashSet<int>(_comparer);
                for (var i = frame.Start; i <= index; i++)
                {
                    set.Add(i);
                }

                frame = frame with { Index = set };
            }
        }

        _count++;
        return true;
    }

    private ReadOnlySpan<byte> NameAt(int index)
    {
        ref readonly var entry = ref _entries[index];
        if (entry.Decoded is { } decoded)
        {
            return decoded;
        }

        return JsonMarshal.GetRawUtf8PropertyName(entry.Property);
    }

    /// <summary>Where one object's names start, and their hash set once the object is large.</summary>
    internal readonly record struct Frame(int Start, HashSet<int>? Index);

    private readonly record struct Entry(JsonProperty Property, byte[]? Decoded);

    /// <summary>Compares entries, by index, by their names' UTF-8 bytes.</summary>
    private sealed class IndexComparer(ElementMemberNames names) : IEqualityComparer<int>
    {
        public bool Equals(int x, int y) => names.NameAt(x).SequenceEqual(names.NameAt(y));

        public int GetHashCode(int obj)
        {
            var hash = default(HashCode);
            hash.AddBytes(names.NameAt(obj));
            return hash.ToHashCode();
        }
    }
}
