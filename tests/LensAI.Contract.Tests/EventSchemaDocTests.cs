using System.Text.RegularExpressions;
using LensAI.Testing;

namespace LensAI.Contract.Tests;

/// <summary>docs/event-schema.md lists exactly the fields of the contract's table, in its order.</summary>
public sealed partial class EventSchemaDocTests
{
    [Fact]
    public void The_fields_table_of_the_docs_names_every_field_in_order()
    {
        var page = File.ReadAllText(RepositoryPaths.Combine("docs", "event-schema.md"));
        var section = page[page.IndexOf("\n## Fields", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 1, StringComparison.Ordinal)];

        var documented = section.Split('\n')
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(line => FieldName().Matches(line.Split('|')[1]).Select(m => m.Groups[1].Value))
            .ToList();

        Assert.Equal(UsageEventFields.All.Select(f => f.Name), documented);
    }

    [GeneratedRegex("`([a-z0-9_]+)`")]
    private static partial Regex FieldName();
}
