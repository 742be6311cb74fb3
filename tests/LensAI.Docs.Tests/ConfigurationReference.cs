using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LensAI.Docs.Tests;

/// <summary>
/// Renders docs/configuration.md's tables from the options classes themselves: every public property under a type
/// with a <c>SectionName</c>, its configuration key, environment variable, type, the default a fresh instance has, and
/// the summary from the XML docs. So the reference cannot list an option that does not exist, miss one, or show a
/// stale default.
/// </summary>
internal static partial class ConfigurationReference
{
    public const string Begin = "<!-- BEGIN GENERATED: configuration reference (tests/LensAI.Docs.Tests; LENSAI_UPDATE_DOCS=1 rewrites it) -->";
    public const string End = "<!-- END GENERATED -->";

    public static readonly Assembly[] Assemblies = [typeof(LensAIOptions).Assembly, typeof(LensAI.Backend.BackendOptions).Assembly];

    public sealed record Row(string Key, string Type, string Default, string Description);

    /// <summary>Options roots: public types with a public const string SectionName, in section order.</summary>
    public static IReadOnlyList<(Type Type, string Section)> Roots() =>
        Assemblies.SelectMany(a => a.GetExportedTypes())
            .Select(t => (Type: t, Field: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string) && x.Type.GetConstructor(Type.EmptyTypes) is not null)
            .Select(x => (x.Type, Section: (string)x.Field!.GetRawConstantValue()!))
            .OrderBy(x => x.Section, StringComparer.Ordinal)
            .ToList();

    public static string Render()
    {
        var text = new StringBuilder();
        text.AppendLine(Begin);
        foreach (var (type, section) in Roots())
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"### `{section}` ({type.Name})");
            text.AppendLine();
            var summary = Summary(type, null);
            if (summary.Length > 0)
            {
                text.AppendLine(summary);
                text.AppendLine();
            }

            text.AppendLine("| key | type | default | description |");
            text.AppendLine("| --- | --- | --- | --- |");
            var nestedRoots = Roots().Select(r => r.Type).Where(t => t != type).ToHashSet();
            foreach (var row in Rows(type, Activator.CreateInstance(type), section, nestedRoots, depth: 0))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| `{row.Key}` | {row.Type} | {row.Default} | {row.Description} |");
            }
        }

        text.AppendLine();
        text.Append(End);
        return text.ToString();
    }

    public static IEnumerable<Row> Rows(Type type, object? instance, string prefix, ISet<Type> skip, int depth)
    {
        if (depth > 6)
        {
            throw new InvalidOperationException($"Options nest deeper than 6 levels at {prefix}.");
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true }))
        {
            if (property.GetCustomAttribute<ObsoleteAttribute>() is not null)
            {
                continue;
            }

            var key = prefix + ":" + property.Name;
            var value = instance is null ? null : property.GetValue(instance);
            var description = Summary(type, property);
            var propertyType = property.PropertyType;
            if (IsScalar(propertyType))
            {
                if (property.SetMethod is not { IsPublic: true })
                {
                    continue; // computed, not configurable
                }

                yield return new Row(key, TypeName(propertyType), Format(value, property), description);
            }
            else if (Dictionary(propertyType) is { } valueType)
            {
                yield return new Row(key + ":<name>", "map of " + TypeName(valueType), Count(value), description);
                if (!IsScalar(valueType))
                {
                    foreach (var row in Rows(valueType, NewOrNull(valueType), key + ":<name>", skip, depth + 1))
                    {
                        yield return row;
                    }
                }
            }
            else if (Element(propertyType) is { } elementType)
            {
                yield return new Row(key + ":<n>", "list of " + TypeName(elementType), Count(value), description);
                if (!IsScalar(elementType))
                {
                    foreach (var row in Rows(elementType, NewOrNull(elementType), key + ":<n>", skip, depth + 1))
                    {
                        yield return row;
                    }
                }
            }
            else if (!skip.Contains(propertyType))
            {
                foreach (var row in Rows(propertyType, value, key, skip, depth + 1))
                {
                    yield return row;
                }
            }
        }
    }

    /// <summary>The environment variable form of a key (<c>LensAI:Backend:Storage:Kind</c> → <c>LensAI__Backend__Storage__Kind</c>).</summary>
    public static string EnvironmentVariable(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    private static object? NewOrNull(Type type) => type.GetConstructor(Type.EmptyTypes) is not null ? Activator.CreateInstance(type) : null;

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(Uri) || type == typeof(DateTimeOffset) || type == typeof(DateOnly) || type == typeof(TimeOnly);
    }

    private static Type? Dictionary(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(Dictionary<,>) || d == typeof(IReadOnlyDictionary<,>))
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments()[1];
    }

    private static Type? Element(Type type)
    {
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private static string Count(object? value) => value is ICollection { Count: > 0 } c ? c.Count.ToString(CultureInfo.InvariantCulture) + " entries" : "empty";

    private static string TypeName(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return TypeName(inner) + "?";
        }

        if (type.IsEnum)
        {
            return string.Join(" \\| ", Enum.GetNames(type).Select(n => $"`{n}`"));
        }

        return type switch
        {
            _ when type == typeof(string) => "string",
            _ when type == typeof(bool) => "bool",
            _ when type == typeof(int) => "int",
            _ when type == typeof(long) => "long",
            _ when type == typeof(double) => "double",
            _ when type == typeof(decimal) => "decimal",
            _ when type == typeof(TimeSpan) => "TimeSpan",
            _ when type == typeof(Uri) => "URL",
            _ => type.Name,
        };
    }

    private static string Format(object? value, PropertyInfo property) => value switch
    {
        null => "—",
        bool b => b ? "`true`" : "`false`",
        TimeSpan t => $"`{t.ToString("c", CultureInfo.InvariantCulture)}`",
        int i when property.Name.Contains("Thread", StringComparison.Ordinal) && i == Environment.ProcessorCount => "processor count",
        string s when s.Length == 0 => "`\"\"`",
        IFormattable f => $"`{f.ToString(null, CultureInfo.InvariantCulture)}`",
        _ => $"`{value}`",
    };

    private static readonly Dictionary<Assembly, XDocument?> s_docs = [];

    private static string Summary(Type type, PropertyInfo? property)
    {
        XDocument? docs;
        lock (s_docs)
        {
            if (!s_docs.TryGetValue(type.Assembly, out docs))
            {
                var path = Path.ChangeExtension(type.Assembly.Location, ".xml");
                docs = File.Exists(path) ? XDocument.Load(path) : null;
                s_docs[type.Assembly] = docs;
            }
        }

        if (docs is null)
        {
            throw new InvalidOperationException($"No XML docs next to {type.Assembly.Location}: the configuration reference takes its descriptions from them.");
        }

        var declaring = property?.DeclaringType ?? type;
        var name = property is null ? $"T:{type.FullName}" : $"P:{declaring.FullName}.{property.Name}";
        var summary = docs.Descendants("member").FirstOrDefault(m => (string?)m.Attribute("name") == name)?.Element("summary");
        return summary is null ? "" : Flatten(summary);
    }

    private static string Flatten(XElement summary)
    {
        var text = new StringBuilder();
        foreach (var node in summary.Nodes())
        {
            text.Append(node switch
            {
                XText t => t.Value,
                XElement { Name.LocalName: "c" } c => $"`{c.Value}`",
                XElement { Name.LocalName: "see" } see when see.Attribute("langword") is { } word => $"`{word.Value}`",
                XElement { Name.LocalName: "see" } see when see.Attribute("cref") is { } cref => $"`{cref.Value[(cref.Value.LastIndexOf('.') + 1)..]}`",
                XElement { Name.LocalName: "see" } see when see.Attribute("href") is { } href => see.Value.Length > 0 ? see.Value : href.Value,
                XElement { Name.LocalName: "paramref" or "typeparamref" } p => $"`{p.Attribute("name")?.Value}`",
                XElement e => e.Value,
                _ => "",
            });
        }

        return Whitespace().Replace(text.ToString(), " ").Trim().Replace("|", "\\|", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
