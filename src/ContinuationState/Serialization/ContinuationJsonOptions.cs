using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ContinuationState.Serialization;

/// <summary>
/// Settings for <see cref="ContinuationJson"/>: what to do with text PostgreSQL <c>jsonb</c> cannot store, and how
/// deep and how large the JSON may get. Create one with <c>new</c> and set what you need; the shared
/// <see cref="Default"/> instance is read-only.
/// </summary>
public sealed class ContinuationJsonOptions
{
    // Shared by every caller that passes no serializer options; read-only, so nobody can change it for the others.
    private static readonly JsonSerializerOptions DefaultSerializerOptions = CreateDefaultSerializerOptions();

    private readonly bool _isReadOnly;
    private NulCharacterPolicy _nulCharacters = NulCharacterPolicy.Reject;
    private LoneSurrogatePolicy _loneSurrogates = LoneSurrogatePolicy.Reject;
    private int _maxDepth = 512;
    private long _maxBytes = 64L * 1024 * 1024;
    private JsonSerializerOptions? _serializerOptions;

    /// <summary>Creates options with the defaults documented on each property.</summary>
    public ContinuationJsonOptions()
    {
    }

    private ContinuationJsonOptions(bool isReadOnly)
    {
        _isReadOnly = isReadOnly;
    }

    /// <summary>
    /// A shared, read-only instance holding the defaults. Its setters throw <see cref="InvalidOperationException"/>;
    /// create a new <see cref="ContinuationJsonOptions"/> to change a setting.
    /// </summary>
    public static ContinuationJsonOptions Default { get; } = new(isReadOnly: true);

    /// <summary>
    /// What to do with U+0000 in strings and keys. Default <see cref="NulCharacterPolicy.Reject"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined policy.</exception>
    /// <exception cref="InvalidOperationException">Set on <see cref="Default"/>.</exception>
    public NulCharacterPolicy NulCharacters
    {
        get => _nulCharacters;
        set => _nulCharacters = Writable(Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Not a defined NulCharacterPolicy."));
    }

    /// <summary>
    /// What to do with unpaired UTF-16 surrogates in strings and keys. Default <see cref="LoneSurrogatePolicy.Reject"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined policy.</exception>
    /// <exception cref="InvalidOperationException">Set on <see cref="Default"/>.</exception>
    public LoneSurrogatePolicy LoneSurrogates
    {
        get => _loneSurrogates;
        set => _loneSurrogates = Writable(Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Not a defined LoneSurrogatePolicy."));
    }

    /// <summary>
    /// How many arrays and objects may be nested inside each other; default 512. <c>[[1]]</c> has depth 2. A value
    /// nested deeper throws <see cref="ContinuationJsonException"/> naming its path. A very large value can also
    /// fail earlier if the thread runs short of stack, with the same exception.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    /// <exception cref="InvalidOperationException">Set on <see cref="Default"/>.</exception>
    public int MaxDepth
    {
        get => _maxDepth;
        set => _maxDepth = Writable(AtLeastOne(value));
    }

    /// <summary>
    /// The most bytes of UTF-8 JSON a value may produce; default 64 MiB. Serialization stops with
    /// <see cref="StateTooLargeException"/> as soon as the output would cross it, without producing the rest.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    /// <exception cref="InvalidOperationException">Set on <see cref="Default"/>.</exception>
    public long MaxBytes
    {
        get => _maxBytes;
        set => _maxBytes = Writable(AtLeastOne(value));
    }

    /// <summary>
    /// System.Text.Json options whose contract metadata decides how plain objects (classes, records, structs,
    /// anonymous types) become JSON objects: property names, <c>[JsonPropertyName]</c>, <c>[JsonIgnore]</c>, the
    /// naming policy, <c>[JsonExtensionData]</c>, and converters for types that have one. <see langword="null"/>
    /// (the default) means reflection-based metadata with no naming policy, so names are the C# member names.
    /// The coercion rules of <see cref="ContinuationJson"/> still decide every value; only the shape of plain
    /// objects comes from here. The options become read-only when first used, as with any serializer call.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set on <see cref="Default"/>.</exception>
    public JsonSerializerOptions? SerializerOptions
    {
        get => _serializerOptions;
        set => _serializerOptions = Writable(value);
    }

    /// <summary>The serializer options to read contracts from, ready for <c>GetTypeInfo</c>.</summary>
    internal JsonSerializerOptions EffectiveSerializerOptions
    {
        get
        {
            var options = _serializerOptions;
            if (options is null)
            {
                return DefaultSerializerOptions;
            }

            // GetTypeInfo needs a resolver; JsonSerializer would fill in the reflection one on first use, so do the same.
            if (!options.IsReadOnly)
            {
                options.MakeReadOnly(populateMissingResolver: true);
            }

            return options;
        }
    }

    private static JsonSerializerOptions CreateDefaultSerializerOptions()
    {
        var options = new JsonSerializerOptions { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        options.MakeReadOnly();
        return options;
    }

    private static T AtLeastOne<T>(T value)
        where T : System.Numerics.INumber<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, T.One);
        return value;
    }

    /// <summary>Returns <paramref name="value"/> to set, or throws when this is the shared <see cref="Default"/>.</summary>
    private T Writable<T>(T value) => _isReadOnly
        ? throw new InvalidOperationException("ContinuationJsonOptions.Default is shared and read-only; create a new ContinuationJsonOptions to change settings.")
        : value;
}
