using System.Text;

namespace ContinuationState.Serialization;

/// <summary>Type names for exception messages, written as C# spells them (<c>System.Func&lt;System.Int32&gt;</c>).</summary>
internal static class TypeNames
{
    public static string Display(Type type)
    {
        if (!type.IsGenericType)
        {
            return type.FullName ?? type.Name;
        }

        var name = type.GetGenericTypeDefinition().FullName ?? type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        var builder = new StringBuilder(tick < 0 ? name : name[..tick]).Append('<');
        var arguments = type.GetGenericArguments();
        for (var i = 0; i < arguments.Length; i++)
        {
            builder.Append(i == 0 ? string.Empty : ", ").Append(Display(arguments[i]));
        }

        return builder.Append('>').ToString();
    }
}
