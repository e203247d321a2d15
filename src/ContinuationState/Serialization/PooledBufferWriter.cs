using System.Buffers;

namespace ContinuationState.Serialization;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>, so serializing a
/// large state does not leave a trail of discarded intermediate arrays behind it. Rented arrays are zeroed before
/// they go back. Made by <see cref="OverOwnArray"/>, it starts in an array of its own instead, sized by the caller,
/// which <see cref="DetachWrittenOrCopy"/> hands out without a copy if the output fitted.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;
    private bool _ownArray;

    public PooledBufferWriter(int initialCapacity = 512)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    private PooledBufferWriter(byte[] ownArray)
    {
        _buffer = ownArray;
        _ownArray = true;
    }

    /// <summary>A writer that starts in an array of its own of <paramref name="capacity"/> bytes.</summary>
    public static PooledBufferWriter OverOwnArray(int capacity) =>
        new(GC.AllocateUninitializedArray<byte>(capacity)); // never read beyond what is written

    public int WrittenCount => _written;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Makes room for <paramref name="bytes"/> more bytes at once, instead of doubling up to them.</summary>
    public void Reserve(int bytes) => EnsureFree(bytes);

    /// <summary>A copy of what was written, in an array of exactly that size.</summary>
    public byte[] ToArray()
    {
        // Every byte is overwritten at once: no need to zero a possibly large array first.
        var copy = GC.AllocateUninitializedArray<byte>(_written);
        WrittenSpan.CopyTo(copy);
        return copy;
    }

    /// <summary>
    /// What was written, as memory the caller may keep: the writer's own array when it never outgrew it (no copy),
    /// else a copy. The writer is left empty.
    /// </summary>
    public ReadOnlyMemory<byte> DetachWrittenOrCopy()
    {
        if (!_ownArray)
        {
            return ToArray();
        }

        var written = _buffer.AsMemory(0, _written);
        _buffer = [];
        _written = 0;
        _ownArray = false;
        return written;
    }

    /// <summary>Zeroes what was written and starts over in the same buffer.</summary>
    public void Clear()
    {
        _buffer.AsSpan(0, _written).Clear();
        _written = 0;
    }

    public void Dispose()
    {
        if (_buffer.Length == 0)
        {
            return;
        }

        // The bytes are user state (possibly personal data); do not hand them to the next renter of the pool.
        ReleaseBuffer();
        _buffer = [];
        _written = 0;
    }

    private void EnsureFree(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }

        var needed = checked(_written + sizeHint);
        var doubled = (int)Math.Min((long)_buffer.Length * 2, Array.MaxLength);
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(needed, doubled));
        _buffer.AsSpan(0, _written).CopyTo(next);
        ReleaseBuffer();
        _buffer = next;
        _ownArray = false;
    }

    private void ReleaseBuffer()
    {
        _buffer.AsSpan(0, _written).Clear();
        if (!_ownArray)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
