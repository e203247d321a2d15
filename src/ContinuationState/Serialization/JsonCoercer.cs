using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContinuationState.Serialization;

/// <summary>
/// Walks a CLR value and has <see cref="Utf8JsonWriter"/> write the JSON that <see cref="ContinuationJson"/>
/// documents, applying what System.Text.Json does not: the text, number and depth policies, cycles, the byte budget,
/// and the JSON path of whatever breaks one. One instance serves the columns of one call, one after another (see
/// <see cref="JsonColumnWriter"/>), or one complex dictionary key; it is not shared.
/// </summary>
internal sealed partial class JsonCoercer
{
    /// <summary>The writer settings of every column.</summary>
    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        // Non-ASCII text stays UTF-8 rather than \u escapes: smaller rows, the same jsonb. The output is stored,
        // never embedded in HTML, so the HTML-sensitive characters need no escaping either.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,

        // MaxDepth is enforced with a path by Enter; the writer's own limit (1000 by default) must never fire first.
        MaxDepth = int.MaxValue,
    };

    private Utf8JsonWriter _writer; // swapped for a complex dictionary key's own (see KeyToString)
    private readonly ContinuationJsonOptions _options;
    private readonly JsonSerializerOptions _serializerOptions;
    private readonly JsonPathBuilder _path;
    private readonly Action<object?> _writeValue;
    private readonly Action<JsonElement> _writeElement;

    // Reference-type containers on the path from the root to here: meeting one again is a cycle. Removed on the
    // way out, so the same object in two sibling positions is fine.
    private readonly HashSet<object> _open;
    private readonly long _limitBytes;

    // Parsed JSON that needs no policy may go out as the UTF-8 it was parsed from (see StorableJson): for columns
    // bound for jsonb, where only the value counts, not for ContinuationJson's own output, which is canonical.
    private bool _copyParsedJson;
    private long _availableBytes;
    private int _depth;

    // Contracts by runtime type (shared by every coercer with the same serializer options), and one set of member
    // names per nesting level, made on first use (an object's names are done with before a sibling at its level starts).
    private readonly ConcurrentDictionary<Type, Contract> _contracts;
    private List<HashSet<string>>? _memberNames;

    // A member-name set that held more names than this is replaced rather than cleared (see MemberNamesAt).
    private const int MaxReusedMemberNames = 64;

    // Made on first use by strings: where they are transcoded to UTF-8 (see ReturnScratch).
    private byte[]? _utf8;

    /// <summary>A coercer for columns written by <see cref="WriteRoot"/>.</summary>
    /// <param name="writer">Where the JSON goes.</param>
    /// <param name="options">The policies and limits.</param>
    /// <param name="limitBytes">The limit named in <see cref="StateTooLargeException"/>.</param>
    /// <param name="copyParsedJson">Whether parsed JSON that needs no policy is copied as it was parsed.</param>
    public JsonCoercer(Utf8JsonWriter writer, ContinuationJsonOptions options, long limitBytes, bool copyParsedJson = false)
    {
        _writer = writer;
        _options = options;
        _serializerOptions = options.EffectiveSerializerOptions;
        _contracts = ContractsByOptions.GetValue(_serializerOptions, static _ => new ConcurrentDictionary<Type, Contract>());
        _path = new JsonPathBuilder("$");
        _open = new HashSet<object>(ReferenceEqualityComparer.Instance);
        _limitBytes = limitBytes;
        _copyParsedJson = copyParsedJson;
        _writeValue = WriteValue;
        _writeElement = WriteElement;
    }

    private long WrittenBytes => _writer.BytesCommitted + _writer.BytesPending;

    /// <summary>
    /// Writes <paramref name="value"/> as a new JSON document after whatever the writer has written, with paths
    /// starting at <paramref name="rootPath"/>, in at most <paramref name="availableBytes"/> bytes; flushes it.
    /// </summary>
    public void WriteRoot(object? value, string rootPath, long availableBytes)
    {
        _writer.Reset();
        _path.Reset(rootPath);
        _open.Clear();
        _depth = 0;
        _availableBytes = availableBytes;
        WriteValue(value);
        CheckBudget();
        _writer.Flush();
    }

    private void WriteValue(object? value)
    {
        switch (value)
        {
            case null: _writer.WriteNullValue(); break;
            case string text: WriteString(text); break;
            case bool flag: _writer.WriteBooleanValue(flag); break;
            case char character: WriteString(character.ToString()); break;
            case int number: _writer.WriteNumberValue(number); break;
            case long number: _writer.WriteNumberValue(number); break;
            case uint number: _writer.WriteNumberValue(number); break;
            case ulong number: _writer.WriteNumberValue(number); break;
            case short number: _writer.WriteNumberValue(number); break;
            case ushort number: _writer.WriteNumberValue(number); break;
            case byte number: _writer.WriteNumberValue(number); break;
            case sbyte number: _writer.WriteNumberValue(number); break;
            case Int128 or UInt128 or BigInteger: WriteBigInteger((IFormattable)value); break;
            case double number: _writer.WriteNumberValue(RequireFinite(number)); break;
            case float number: _writer.WriteNumberValue(RequireFinite(number)); break;
            case Half number: WriteRawNumber(FormatFloat(number)); break;
            case Enum enumValue: WriteEnum(enumValue); break;
            case byte[] bytes: WriteBase64(bytes); break;
            case ReadOnlyMemory<byte> bytes: WriteBase64(bytes.Span); break;
            case Memory<byte> bytes: WriteBase64(bytes.Span); break;
            case ArraySegment<byte> bytes: WriteBase64(bytes); break;
            case JsonElement element: WriteParsedElement(element); break;
            case JsonDocument document: WriteParsedElement(document.RootElement); break;
            case JsonNode node: WriteNode(node); break;
            default:
                if (FormatFixedString(value) is { } fixedText)
                {
                    // Dates, Guids, decimals: ASCII by construction, so no text policy applies.
                    _writer.WriteStringValue(fixedText);
                }
                else
                {
                    WriteComposite(value);
                }

                break;
        }
    }

    /// <summary>
    /// The string form of scalars written as JSON strings in a fixed, culture-independent format (System.Text.Json's
    /// own differ: it writes decimals as numbers and trims the fraction of dates); null for every other value. Shared
    /// by values and dictionary keys so both spell a date or a Guid the same way.
    /// </summary>
    private static string? FormatFixedString(object value) => value switch
    {
        // The exact digits, trailing zeros included (1.10m is "1.10"): what Python's str(Decimal) gives DocsGPT.
        decimal number => number.ToString(CultureInfo.InvariantCulture),
        Guid guid => guid.ToString("D", CultureInfo.InvariantCulture),
        DateTime dateTime => dateTime.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset dateTimeOffset => dateTimeOffset.ToString("O", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly time => time.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>Shortest text that round-trips (the .NET Core 3.0+ default), e.g. <c>0.1</c>, <c>1E-05</c>.</summary>
    private string FormatFloat<T>(T number)
        where T : IFloatingPointIeee754<T> => RequireFinite(number).ToString(null, CultureInfo.InvariantCulture);

    private T RequireFinite<T>(T number)
        where T : IFloatingPointIeee754<T> => T.IsFinite(number) ? number : throw new ContinuationJsonException(
            _path.ToString(),
            $"The number {number.ToString(null, CultureInfo.InvariantCulture)} has no JSON form; JSON numbers are finite.");

    private void WriteBigInteger(IFormattable number)
    {
        if (number is BigInteger big && !big.IsZero)
        {
            // Formatting takes time quadratic in the size: a value of n bits has at least floor((n - 1) log10 2) + 1
            // digits, so one too long for numeric or the budget is refused before it is formatted.
            var minimumDigits = (long)Math.Floor((BigInteger.Abs(big).GetBitLength() - 1) * 0.30102999566398) + 1;
            if (minimumDigits > PostgresNumeric.MaxIntegerDigits)
            {
                throw TooManyDigits();
            }

            EnsureRoom(minimumDigits);
        }

        var digits = number.ToString(null, CultureInfo.InvariantCulture);
        if (digits.Length - (digits[0] == '-' ? 1 : 0) > PostgresNumeric.MaxIntegerDigits)
        {
            throw TooManyDigits();
        }

        EnsureRoom(digits.Length);
        WriteRawNumber(digits);
    }

    private ContinuationJsonException TooManyDigits() => new(
        _path.ToString(),
        $"The integer has more than {PostgresNumeric.MaxIntegerDigits} digits, more than PostgreSQL numeric can store.");

    private void WriteRawNumber(string digits) => _writer.WriteRawValue(digits, skipInputValidation: true);

    private void WriteEnum(Enum value)
    {
        // The member name, "A, B" for a [Flags] combination, and the number itself when no name matches (names
        // cannot start with a digit or '-', so that case is recognisable): JsonStringEnumConverter's output, without
        // the naming policy or [JsonStringEnumMemberName] that would make it differ from dictionary keys.
        var name = value.ToString();
        if (char.IsAsciiDigit(name[0]) || name[0] == '-')
        {
            WriteRawNumber(name);
        }
        else
        {
            WriteString(name);
        }
    }

    private void WriteBase64(ReadOnlySpan<byte> bytes)
    {
        EnsureRoom(((bytes.Length + 2L) / 3 * 4) + 2);
        _writer.WriteBase64StringValue(bytes);
    }

    /// <summary>Called on entering an array or object: enforces MaxDepth, the stack, and the cycle rule.</summary>
    /// <param name="container">The CLR object being entered, or null when it cannot take part in a cycle.</param>
    private void Enter(object? container)
    {
        if (_depth >= _options.MaxDepth)
        {
            throw new ContinuationJsonException(
                _path.ToString(),
                $"The value is nested more than {_options.MaxDepth} arrays or objects deep (ContinuationJsonOptions.MaxDepth).");
        }

        // A raised MaxDepth must end in this exception, not in a stack overflow that kills the process.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new ContinuationJsonException(_path.ToString(), "The value is nested too deeply for the current thread's stack.");
        }

        if (container is not null && !container.GetType().IsValueType && !_open.Add(container))
        {
            throw new ContinuationJsonException(
                _path.ToString(),
                $"The object of type '{TypeNames.Display(container.GetType())}' contains itself (a cycle); JSON can only hold trees.");
        }

        _depth++;
    }

    private void Exit(object? container)
    {
        _depth--;
        if (container is not null)
        {
            _open.Remove(container);
        }
    }

    /// <summary>An empty set for the names of the object just entered, reused by every object at this depth.</summary>
    private HashSet<string> MemberNamesAtThisDepth() => MemberNamesAt(_memberNames ??= [], _depth);

    /// <summary>
    /// An empty set from <paramref name="sets"/> for an object at <paramref name="depth"/>. Clearing a set costs its
    /// capacity, not its count: one that held a wide object is replaced, or every later object at its depth would pay
    /// for the wide one again (quadratic for a wide object followed by many small ones).
    /// </summary>
    internal static HashSet<string> MemberNamesAt(List<HashSet<string>> sets, int depth)
    {
        while (sets.Count <= depth)
        {
            sets.Add(new HashSet<string>(StringComparer.Ordinal));
        }

        var names = sets[depth];
        if (names.Count > MaxReusedMemberNames)
        {
            sets[depth] = names = new HashSet<string>(StringComparer.Ordinal);
        }
        else
        {
            names.Clear();
        }

        return names;
    }

    /// <summary>Throws once the output has crossed the budget; called after every member, item and root.</summary>
    private void CheckBudget() => EnsureRoom(0);

    /// <summary>Throws if <paramref name="bytes"/> more bytes would cross the budget, before writing them.</summary>
    private void EnsureRoom(long bytes)
    {
        if (WrittenBytes + bytes > _availableBytes)
        {
            throw new StateTooLargeException(_limitBytes, _path.ToString());
        }
    }

    private ContinuationJsonException Unsupported(Type type, string reason, Exception? inner = null) =>
        new(_path.ToString(), $"A value of type '{TypeNames.Display(type)}' cannot be stored as JSON: {reason}.", inner);
}
