using System.Buffers;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance.Buffers;
using System.Text.Json;

namespace ContinuationState.Serialization;

/// <summary>
/// Writes the JSON of one or more columns one after another into one pooled buffer, with one writer, one path and one
/// coercer, spending every column's size from one budget. What a column wrote is found by the range
/// <see cref="Write"/> returns, in <see cref="WrittenMemory"/>, which can be sent as it is until this is disposed.
/// </summary>
internal sealed class JsonColumnWriter : IDisposable
{
    // Utf8JsonWriter asks for at least 4 KiB whenever it runs out of room: leave it that, so output of the expected
    // size never outgrows the first array.
    private const int Slack = 8 * 1024;

    private readonly ArrayPoolBufferWriter<byte> _buffer;
    private readonly Utf8JsonWriter _writer;
    private readonly JsonCoercer _coercer;
    private readonly ContinuationJsonBudget _budget;

    /// <summary>Creates a writer spending from <paramref name="budget"/>.</summary>
    /// <param name="options">The policies and limits.</param>
    /// <param name="budget">The bytes all columns together may take.</param>
    /// <param name="expectedBytes">
    /// What the columns are expected to take (see <see cref="ParsedJsonLength"/>): the buffer starts that large, so
    /// output of the expected size is written without growing (and copying) it.
    /// </param>
    /// <param name="forJsonb">
    /// Whether the output goes to jsonb columns, which keep only the value: parsed JSON that needs no policy is then
    /// copied as it was parsed, its spacing and escapes included (see <see cref="StorableJson"/>).
    /// </param>
    public JsonColumnWriter(ContinuationJsonOptions options, ContinuationJsonBudget budget, long expectedBytes = 0, bool forJsonb = false)
    {
        _budget = budget;
        _buffer = new ArrayPoolBufferWriter<byte>(ZeroingPool.Instance, (int)Math.Min(Math.Min(expectedBytes, budget.Remaining) + Slack, Array.MaxLength));
        _writer = new Utf8JsonWriter(_buffer, JsonCoercer.WriterOptions);
        _coercer = new JsonCoercer(_writer, options, budget.LimitBytes, copyParsedJson: forJsonb);
    }

    /// <summary>Serializes one value, spending its size from <paramref name="budget"/>.</summary>
    public static byte[] Serialize(object? value, string rootPath, ContinuationJsonOptions options, ContinuationJsonBudget budget)
    {
        using var columns = new JsonColumnWriter(options, budget);
        columns.Write(value, rootPath);
        return columns.WrittenSpan.ToArray();
    }

    /// <summary>Everything written so far, column after column.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>Everything written so far, without a copy.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.WrittenMemory;

    /// <summary>
    /// The raw size of <paramref name="value"/> when it is parsed JSON (a <see cref="JsonElement"/> or
    /// <see cref="JsonDocument"/>), which it is copied at about; else 0.
    /// </summary>
    public static int ParsedJsonLength(object? value)
    {
        var element = value switch
        {
            JsonElement e => e,
            JsonDocument document => document.RootElement,
            _ => default,
        };
        return element.ValueKind == JsonValueKind.Undefined ? 0 : JsonMarshal.GetRawUtf8Value(element).Length;
    }

    /// <summary>
    /// Writes <paramref name="value"/> as the next column; paths in exceptions start at <paramref name="rootPath"/>.
    /// </summary>
    /// <returns>Where the column's JSON lies in <see cref="WrittenSpan"/>.</returns>
    public Range Write(object? value, string rootPath)
    {
        // Parsed JSON is copied at about its own size: make room for it once rather than doubling up to it.
        if (ParsedJsonLength(value) is > 0 and var length)
        {
            _buffer.GetSpan((int)Math.Min(length, _budget.Remaining));
        }

        var start = _buffer.WrittenCount;
        _coercer.WriteRoot(value, rootPath, _budget.Remaining);
        _budget.Spend(_buffer.WrittenCount - start);
        return start.._buffer.WrittenCount;
    }

    /// <summary>Gives the buffer back, zeroed; <see cref="WrittenMemory"/> must not be used after.</summary>
    public void Dispose()
    {
        _coercer.ReturnScratch();
        _writer.Dispose();
        _buffer.Dispose();
    }

    /// <summary>
    /// <see cref="ArrayPool{T}.Shared"/>, with every array zeroed as it goes back, the one outgrown mid-write too: they
    /// held user state, and the next renter may be anyone.
    /// </summary>
    private sealed class ZeroingPool : ArrayPool<byte>
    {
        public static readonly ZeroingPool Instance = new();

        public override byte[] Rent(int minimumLength) => Shared.Rent(minimumLength);

        public override void Return(byte[] array, bool clearArray = false) => Shared.Return(array, clearArray: true);
    }
}
