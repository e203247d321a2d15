namespace ContinuationState.Serialization;

/// <summary>
/// Types that System.Text.Json would walk into as objects (or half-serialize) though they are not data: better a clear
/// error at save time, naming the value's path, than a row that cannot be understood at load time. The serializer
/// itself refuses delegates, reflection objects, native pointers and multi-dimensional arrays.
/// </summary>
internal static class UnsupportedTypes
{
    /// <summary>Why <paramref name="type"/> is not data, phrased to follow "cannot be stored as JSON: "; else null.</summary>
    public static string? Reason(Type type)
    {
        if (typeof(Stream).IsAssignableFrom(type))
        {
            return "streams must be read into a byte[] or string first";
        }

        if (typeof(Task).IsAssignableFrom(type) || type == typeof(ValueTask)
            || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return "tasks must be awaited first";
        }

        if (type == typeof(CancellationToken) || typeof(WaitHandle).IsAssignableFrom(type))
        {
            return "synchronization objects are not data";
        }

        return type == typeof(System.Reflection.Pointer) ? "native pointers mean nothing outside this process" : null;
    }
}
