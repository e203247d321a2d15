using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContinuationState.Serialization;

/// <summary>
/// Turns any CLR value into JSON that PostgreSQL <c>jsonb</c> accepts, the way the stored continuation state is
/// written. The value is walked by these rules (the first that matches wins):
/// <list type="bullet">
/// <item><description><see langword="null"/> → <c>null</c>; <see cref="bool"/> → <c>true</c>/<c>false</c>.</description></item>
/// <item><description><see cref="string"/> → string, after the <see cref="ContinuationJsonOptions.NulCharacters"/> and
/// <see cref="ContinuationJsonOptions.LoneSurrogates"/> policies (both reject by default); <see cref="char"/> → a
/// one-character string. Non-ASCII text is written as UTF-8, not as <c>\u</c> escapes (except characters outside
/// the Basic Multilingual Plane, which the encoder escapes as surrogate pairs; <c>jsonb</c> decodes them).</description></item>
/// <item><description>Integers of every width, including <see cref="Int128"/>, <see cref="UInt128"/> and
/// <see cref="System.Numerics.BigInteger"/> → numbers with every digit. <see cref="float"/>, <see cref="double"/>,
/// <see cref="Half"/> → numbers in their shortest round-trip form; NaN and infinities throw.</description></item>
/// <item><description><see cref="decimal"/> → its exact digits as a string (<c>1.10m</c> → <c>"1.10"</c>), which
/// keeps trailing zeros and matches Python's <c>str(Decimal)</c>.</description></item>
/// <item><description><see cref="Guid"/> → <c>"D"</c> format; <see cref="DateTime"/> and <see cref="DateTimeOffset"/>
/// → round-trip <c>"O"</c> format; <see cref="DateOnly"/> → <c>yyyy-MM-dd</c>; <see cref="TimeOnly"/> →
/// <c>HH:mm:ss.FFFFFFF</c> (fraction trimmed, omitted when zero); <see cref="TimeSpan"/> → constant <c>"c"</c>
/// format (<c>[-][d.]hh:mm:ss[.fffffff]</c>). All in the invariant culture.</description></item>
/// <item><description>Enums → the member name (<c>"A, B"</c> for a <see cref="FlagsAttribute"/> combination); a value
/// with no name → its number, as <c>JsonStringEnumConverter</c> writes it. Naming policies and
/// <c>[JsonStringEnumMemberName]</c> are not applied.</description></item>
/// <item><description><c>byte[]</c>, <see cref="ReadOnlyMemory{T}"/>, <see cref="Memory{T}"/> and
/// <see cref="ArraySegment{T}"/> of bytes → standard, padded base64 (see <see cref="DecodeBase64"/>).</description></item>
/// <item><description><see cref="JsonElement"/>, <see cref="JsonDocument"/>, <see cref="JsonNode"/> → copied under the
/// same policies; a number PostgreSQL <c>numeric</c> cannot hold (<c>1e999999</c>) throws. A
/// <see cref="JsonValue"/> that wraps a CLR value follows that value's rule.</description></item>
/// <item><description>Dictionaries (<c>IDictionary</c>, <c>IDictionary&lt;,&gt;</c>, <c>IReadOnlyDictionary&lt;,&gt;</c>)
/// → objects. Keys of any type become strings by the rules above (numbers and bools as their JSON text, dates and
/// Guids as their string, enums by name, tuples as their array, other objects as their compact JSON); the text
/// policies apply to keys too, and two keys that end up equal throw.</description></item>
/// <item><description>Tuples (<see cref="Tuple"/> and <see cref="ValueTuple"/>) → arrays; any other
/// <see cref="System.Collections.IEnumerable"/>, and <see cref="Memory{T}"/> or <see cref="ReadOnlyMemory{T}"/> of
/// anything but bytes → an array. <see cref="KeyValuePair{TKey, TValue}"/> → <c>{"Key":…,"Value":…}</c>.</description></item>
/// <item><description>Other objects (classes, records, structs, anonymous types) → objects, by their runtime type,
/// from System.Text.Json contract metadata of <see cref="ContinuationJsonOptions.SerializerOptions"/>:
/// <c>[JsonPropertyName]</c>, <c>[JsonIgnore]</c>, naming policy, ignore conditions and
/// <c>[JsonExtensionData]</c> are honoured; each member value is walked by these rules. Types System.Text.Json
/// writes with a converter (<see cref="Uri"/>, <see cref="Version"/>, <c>[JsonConverter]</c> types) use it.
/// A value whose base type is polymorphic gets the base's discriminator (<c>$type</c>) first, then its own members
/// under the same rules. Converters set on single properties are not applied.</description></item>
/// <item><description>Delegates, reflection objects, pointers, streams, tasks, async streams, multi-dimensional
/// arrays and anything System.Text.Json cannot serialize throw.</description></item>
/// <item><description>An object that contains itself throws (a cycle); the same object in two places is written
/// twice. Nesting deeper than <see cref="ContinuationJsonOptions.MaxDepth"/> throws. Output that would exceed
/// <see cref="ContinuationJsonOptions.MaxBytes"/> throws <see cref="StateTooLargeException"/> as soon as the limit
/// is crossed.</description></item>
/// </list>
/// Every failure other than the size limit is a <see cref="ContinuationJsonException"/> whose
/// <see cref="ContinuationJsonException.JsonPath"/> names the offending value, e.g. <c>$.messages[2].content</c>
/// or <c>$['we ird']</c>.
/// </summary>
public static partial class ContinuationJson
{
    /// <summary>Coerces any CLR value into JSON (UTF-8 bytes) that PostgreSQL <c>jsonb</c> accepts.</summary>
    /// <param name="value">The value; <see langword="null"/> gives <c>null</c>.</param>
    /// <param name="options">The policies and limits; <see cref="ContinuationJsonOptions.Default"/> when null.</param>
    /// <returns>Compact UTF-8 JSON.</returns>
    /// <exception cref="ContinuationJsonException">Part of the value cannot be stored; see the class remarks.</exception>
    /// <exception cref="StateTooLargeException">The JSON would exceed <see cref="ContinuationJsonOptions.MaxBytes"/>.</exception>
    public static byte[] SerializeToUtf8Bytes(object? value, ContinuationJsonOptions? options = null)
    {
        options ??= ContinuationJsonOptions.Default;
        return JsonColumnWriter.Serialize(value, "$", options, new ContinuationJsonBudget(options.MaxBytes));
    }

    /// <summary>
    /// Coerces a value as <see cref="SerializeToUtf8Bytes"/> does and returns the result as a <see cref="JsonNode"/>,
    /// for hosts that want to inspect what would be stored.
    /// </summary>
    /// <param name="value">The value; <see langword="null"/> gives <see langword="null"/>.</param>
    /// <param name="options">The policies and limits; <see cref="ContinuationJsonOptions.Default"/> when null.</param>
    /// <returns>The coerced JSON, or <see langword="null"/> for JSON <c>null</c>.</returns>
    /// <exception cref="ContinuationJsonException">Part of the value cannot be stored; see the class remarks.</exception>
    /// <exception cref="StateTooLargeException">The JSON would exceed <see cref="ContinuationJsonOptions.MaxBytes"/>.</exception>
    public static JsonNode? ToJsonNode(object? value, ContinuationJsonOptions? options = null)
    {
        options ??= ContinuationJsonOptions.Default;
        var json = SerializeToUtf8Bytes(value, options);

        // The reader's default depth limit (64) is far below what MaxDepth allows.
        return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = options.MaxDepth });
    }

    /// <summary>
    /// Serializes one column of a state row. <paramref name="rootPath"/> (e.g. <c>$.messages</c>) starts every
    /// path in exceptions, and <paramref name="budget"/> is shared by the row's columns so the size limit applies
    /// to the row as a whole.
    /// </summary>
    internal static byte[] SerializeColumn(object? value, string rootPath, ContinuationJsonOptions options, ContinuationJsonBudget budget)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(budget);
        return JsonColumnWriter.Serialize(value, rootPath, options, budget);
    }
}
