namespace ContinuationState.Serialization;

/// <summary>How <see cref="JsonCoercer"/> writes a value whose type is not a scalar it knows by name.</summary>
internal enum ValueShape
{
    /// <summary>Cannot be represented as data; <see cref="TypeShape.UnsupportedReason"/> says why.</summary>
    Unsupported,

    /// <summary><see cref="System.Runtime.CompilerServices.ITuple"/>: an array of its items.</summary>
    Tuple,

    /// <summary><see cref="KeyValuePair{TKey, TValue}"/>: an object with <c>Key</c> and <c>Value</c>.</summary>
    KeyValuePair,

    /// <summary>A generic dictionary (<c>IDictionary&lt;,&gt;</c> or <c>IReadOnlyDictionary&lt;,&gt;</c>): an object.</summary>
    Dictionary,

    /// <summary>A non-generic <see cref="System.Collections.IDictionary"/>: an object.</summary>
    LegacyDictionary,

    /// <summary>Any other <see cref="System.Collections.IEnumerable"/>: an array.</summary>
    Enumerable,

    /// <summary>Anything else: shaped by System.Text.Json contract metadata.</summary>
    Contract,
}
