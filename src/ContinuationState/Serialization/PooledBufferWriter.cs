using System.Buffers;

namespace ContinuationState.Serialization;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>, so serializing a
/// large state does not leave a trail of discarded intermediate arrays behind it (nor, for a state of a megabyte or
/// more, a large-object allocation that brings a full collection closer). Rented arrays are zeroed before they go
/// back. <see cref="DetachPooled"/> hands the array holding the output to the caller, who returns it with
/// <see cref="ReturnToPool"/>.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialCapacity = 512)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

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

    /// <summary>Makes room for <paramref name="bytes"/> more bytes at once (one rent instead of doubling up to it).</summary>
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
    /// Hands over the rented array that holds what was written, without a copy; this writer is then spent. The caller
    /// owns <paramref name="array"/> and gives it back with <see cref="ReturnToPool"/> once nothing reads it.
    /// </summary>
    public ReadOnlyMemory<byte> DetachPooled(out byte[] array)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        array = _buffer;
        var written = _buffer.AsMemory(0, _written);
        _buffer = [];
        _written = 0;
        return written;
    }

    /// <summary>Zeroes the first <paramref name="used"/> bytes of a detached array (user state) and returns it.</summary>
    public static void ReturnToPool(byte[] array, int used)
    {
        array.AsSpan(0, used).Clear();
        ArrayPool<byte>.Shared.Return(array);
    }

    /// <summary>Zeroes what was written and starts over in the same array.</summary>
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
        ReturnToPool(_buffer, _written);
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
        ReturnToPool(_buffer, _written);
        _buffer = next;
    }
}
