using System.CommandLine;
using System.Text.Json;
using LensAI.Backend.Keys;
using LensAI.Cli.Rendering;
using Spectre.Console;

namespace LensAI.Cli.Commands;

/// <summary><c>keys create|list|revoke</c>: per-project API keys (only their SHA-256 hash is stored).</summary>
internal static class KeysCommand
{
    public static Command Create(CliContext context)
    {
        var project = CommonOptions.Project();
        var name = new Option<string?>("--name") { Description = "A label for the key (who or what uses it).", HelpName = "text" };
        var create = new Command("create", "Create an API key for a project (a new project starts with its first key). The key is printed once, alone on stdout.") { project, name };
        context.SetBackendAction(create, async (parse, backend, ct) =>
        {
            var id = parse.GetRequiredValue(project);
            var created = await backend.Get<ApiKeyStore>().CreateAsync(id, parse.GetValue(name), ct).ConfigureAwait(false);
            context.OutWriter.WriteLine(created.Key);
            context.Note($"Created key {created.Record.Prefix} for project '{id}'. It is shown once: store it now (LensAI keeps only its SHA-256 hash).");
            return ExitCodes.Ok;
        });

        var listProject = CommonOptions.Project(required: false);
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var list = new Command("list", "List API keys: prefix, project, name, created, status (never the secret).") { listProject, json };
        context.SetBackendAction(list, async (parse, backend, ct) =>
        {
            backend.EnsureData();
            var filter = parse.GetValue(listProject);
            var records = await backend.Get<ApiKeyStore>().ListAsync(filter, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                WriteJson(context.OutWriter, records);
                return ExitCodes.Ok;
            }

            if (records.Count == 0)
            {
                context.Note(filter is null ? $"No API keys in {backend.StorageDescription}." : $"No API keys for project '{filter}'.");
                return ExitCodes.Ok;
            }

            var table = new Table().RoundedBorder().Title("API keys");
            table.AddColumns("Prefix", "Project", "Name", "Created", "Status");
            foreach (var r in records)
            {
                table.AddRow(
                    new Text(r.Prefix),
                    new Text(r.Project),
                    new Text(r.Name ?? ""),
                    new Text(Format.Instant(r.Created)),
                    r.Revoked is { } revoked ? new Markup($"[red]revoked[/] {Format.Instant(revoked)}") : new Markup("[green]active[/]"));
            }

            context.Out.Write(table);
            return ExitCodes.Ok;
        });

        var prefix = new Argument<string?>("prefix") { Description = "The key's 8-character prefix (as listed), or the whole key.", Arity = ArgumentArity.ZeroOrOne };
        var revokeProject = CommonOptions.Project(required: false);
        var revokeName = new Option<string?>("--name") { Description = "With --project: revoke every active key of the project with this name.", HelpName = "text" };
        var revoke = new Command("revoke", "Revoke a key by prefix, or a project's keys by name: calls with them get 401 from then on (within 30 s on other instances).")
        {
            prefix, revokeProject, revokeName,
        };
        revoke.Validators.Add(r =>
        {
            var byPrefix = r.GetValue(prefix) is not null;
            var byName = r.GetValue(revokeProject) is not null || r.GetValue(revokeName) is not null;
            if (byPrefix == byName)
            {
                r.AddError("Give a key prefix, or --project and --name (not both).");
            }
            else if (byName && (r.GetValue(revokeProject) is null || r.GetValue(revokeName) is null))
            {
                r.AddError("Revoking by name needs both --project and --name.");
            }
        });
        context.SetBackendAction(revoke, async (parse, backend, ct) =>
        {
            backend.EnsureData();
            var store = backend.Get<ApiKeyStore>();
            if (parse.GetValue(prefix) is { } value)
            {
                if (!await store.RevokeAsync(value, ct).ConfigureAwait(false))
                {
                    throw new CommandFailedException($"No active key with prefix '{ApiKey.PrefixOf(value)}' (see 'lensai keys list').");
                }

                context.Note($"Revoked {ApiKey.PrefixOf(value)}.");
                return ExitCodes.Ok;
            }

            var project = parse.GetRequiredValue(revokeProject)!;
            var name = parse.GetRequiredValue(revokeName)!;
            var active = (await store.ListAsync(project, ct).ConfigureAwait(false)).Where(r => r.Revoked is null && r.Name == name).ToList();
            if (active.Count == 0)
            {
                throw new CommandFailedException($"Project '{project}' has no active key named '{name}' (see 'lensai keys list --project {project}').");
            }

            foreach (var record in active)
            {
                await store.RevokeAsync(record.Prefix, ct).ConfigureAwait(false);
                context.Note($"Revoked {record.Prefix} ('{name}' of '{project}').");
            }

            return ExitCodes.Ok;
        });

        return new Command("keys", "Manage per-project API keys.") { create, list, revoke };
    }

    private static void WriteJson(TextWriter output, IReadOnlyList<ApiKeyRecord> records)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (var r in records)
            {
                writer.WriteStartObject();
                writer.WriteString("prefix", r.Prefix);
                writer.WriteString("project", r.Project);
                writer.WriteString("name", r.Name);
                writer.WriteString("created", r.Created);
                if (r.Revoked is { } revoked)
                {
                    writer.WriteString("revoked", revoked);
                }
                else
                {
                    writer.WriteNull("revoked");
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
