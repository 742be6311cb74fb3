using System.Security.Cryptography;
using System.Text;
using LensAI.Backend.Storage;
using LensAI.Backend.Tests.Infrastructure;

namespace LensAI.Backend.Tests.Storage;

/// <summary>
/// One contract, three adapters: every test here runs against the local folder, S3 (s3rver) and Azure Blob
/// (Azurite). Each test gets its own store, isolated by a fresh folder or a fresh key prefix.
/// </summary>
public abstract class ObjectStoreConformanceTests : IAsyncLifetime
{
    protected const int PageSize = 100;

    /// <summary>Where adapters with a single-request limit switch to blocks and ranged reads in these tests (4 MiB).</summary>
    protected const int TransferThreshold = 4 * 1024 * 1024;

    private IObjectStore? _store;
    private readonly List<string> _tempFiles = [];

    protected IObjectStore Store => _store ?? throw new InvalidOperationException("Not initialized.");

    protected static CancellationToken Ct => CancellationToken.None;

    /// <summary>A store isolated from every other test (a new folder, or a unique prefix); list pages of <see cref="PageSize"/> where the backend pages.</summary>
    protected abstract IObjectStore CreateIsolatedStore();

    public Task InitializeAsync()
    {
        _store = CreateIsolatedStore();
        return Task.CompletedTask;
    }

    public virtual Task DisposeAsync()
    {
        (_store as IDisposable)?.Dispose();
        foreach (var file in _tempFiles)
        {
            File.Delete(file);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Put_then_get_round_trips_bytes_with_an_etag()
    {
        var content = Encoding.UTF8.GetBytes("hello, lens");
        await Store.PutAsync("a/hello.txt", content, Ct);

        var got = await Store.GetAsync("a/hello.txt", Ct);

        Assert.NotNull(got);
        Assert.Equal(content, got.Content);
        Assert.False(string.IsNullOrWhiteSpace(got.ETag));
    }

    [Fact]
    public async Task Zero_byte_objects_from_bytes_and_from_a_file()
    {
        await Store.PutAsync("empty/bytes", ReadOnlyMemory<byte>.Empty, Ct);
        var emptyFile = TempFile(0);
        await Store.PutFileAsync("empty/file", emptyFile, Ct);

        var fromBytes = await Store.GetAsync("empty/bytes", Ct);
        var fromFile = await Store.GetAsync("empty/file", Ct);
        var listed = await ListAsync("empty/");

        Assert.Empty(fromBytes!.Content);
        Assert.Empty(fromFile!.Content);
        Assert.Equal(["empty/bytes", "empty/file"], listed.Select(o => o.Key));
        Assert.All(listed, o => Assert.Equal(0, o.Size));
    }

    /// <summary>
    /// Random bytes of sizes around the edges that matter: empty, one byte, just over 64 KiB, and either side of
    /// <see cref="TransferThreshold"/> (where the Azure adapter under test switches from one Put Blob / one Get Blob
    /// to blocks and ranged reads) up to several MiB. Written from memory and from a file, read back whole and to a
    /// file, and compared byte for byte.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(TransferThreshold)]
    [InlineData(TransferThreshold + 1)]
    [InlineData(10 * 1024 * 1024 + 123)]
    public async Task Random_bytes_round_trip_byte_for_byte_through_every_read_and_write_path(int size)
    {
        var written = RandomNumberGenerator.GetBytes(size);
        var source = TempFile(written);
        await Store.PutAsync($"sizes/{size}/from-bytes", written, Ct);
        await Store.PutFileAsync($"sizes/{size}/from-file", source, Ct);
        var downloads = Path.Combine(Path.GetTempPath(), $"lensai-download-{Guid.NewGuid():N}");
        try
        {
            foreach (var key in new[] { $"sizes/{size}/from-bytes", $"sizes/{size}/from-file" })
            {
                var got = await Store.GetAsync(key, Ct);
                AssertSameBytes(written, got!.Content, $"{key} read with GetAsync");

                var destination = Path.Combine(downloads, key.Replace('/', '-'), "copy.bin");
                Assert.True(await Store.DownloadToFileAsync(key, destination, Ct));
                AssertSameBytes(written, await File.ReadAllBytesAsync(destination), $"{key} read with DownloadToFileAsync");
            }

            var listed = await ListAsync($"sizes/{size}/");
            Assert.Equal([$"sizes/{size}/from-bytes", $"sizes/{size}/from-file"], listed.Select(o => o.Key));
            Assert.All(listed, o => Assert.Equal(size, o.Size));
            Assert.Empty(Directory.GetFiles(downloads, "*.part", SearchOption.AllDirectories));
        }
        finally
        {
            if (Directory.Exists(downloads))
            {
                Directory.Delete(downloads, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Overwrite_replaces_content_and_changes_the_etag()
    {
        await Store.PutAsync("state/x.json", "first"u8.ToArray(), Ct);
        var first = await Store.GetAsync("state/x.json", Ct);
        await Store.PutAsync("state/x.json", "second, longer"u8.ToArray(), Ct);
        var second = await Store.GetAsync("state/x.json", Ct);

        Assert.Equal("second, longer"u8.ToArray(), second!.Content);
        Assert.NotEqual(first!.ETag, second.ETag);
        Assert.Single(await ListAsync("state/"));
    }

    [Fact]
    public async Task Missing_objects_read_as_null_and_download_as_false()
    {
        Assert.Null(await Store.GetAsync("nothing/here", Ct));
        var destination = Path.Combine(Path.GetTempPath(), $"lensai-missing-{Guid.NewGuid():N}.bin");
        Assert.False(await Store.DownloadToFileAsync("nothing/here", destination, Ct));
        Assert.False(File.Exists(destination));
        Assert.Empty(await ListAsync("nothing/"));
    }

    [Fact]
    public async Task List_filters_by_prefix_in_key_order()
    {
        string[] keys = ["a/2", "a/10", "a/1", "a-b", "a.b", "ab/x", "b/1", "a/sub/deep/z", "a/sub/y"];
        foreach (var key in keys)
        {
            await Store.PutAsync(key, Encoding.UTF8.GetBytes(key), Ct);
        }

        var all = (await ListAsync("")).Select(o => o.Key).ToList();
        var underA = (await ListAsync("a/")).Select(o => o.Key).ToList();
        var startingWithA = (await ListAsync("a")).Select(o => o.Key).ToList();
        var partialSegment = (await ListAsync("a/s")).Select(o => o.Key).ToList();

        Assert.Equal(keys.Order(StringComparer.Ordinal), all);
        Assert.Equal(["a/1", "a/10", "a/2", "a/sub/deep/z", "a/sub/y"], underA);
        Assert.Equal(["a-b", "a.b", "a/1", "a/10", "a/2", "a/sub/deep/z", "a/sub/y", "ab/x"], startingWithA);
        Assert.Equal(["a/sub/deep/z", "a/sub/y"], partialSegment);
        Assert.Empty(await ListAsync("zzz"));
    }

    [Fact]
    public async Task List_reads_every_page()
    {
        const int count = 1_100; // 11 pages of 100 where the backend pages
        var keys = Enumerable.Range(0, count).Select(i => $"many/dt=2026-11-21/part-{i:D5}.parquet").ToArray();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (key, ct) => await Store.PutAsync(key, Encoding.UTF8.GetBytes(key), ct));
        await Store.PutAsync("manx/other", "x"u8.ToArray(), Ct);

        var listed = await ListAsync("many/");

        Assert.Equal(keys, listed.Select(o => o.Key));
        Assert.All(listed, o => Assert.Equal(Encoding.UTF8.GetByteCount(o.Key), o.Size));
        Assert.All(listed, o => Assert.True(o.LastModified > DateTimeOffset.UtcNow.AddHours(-1) && o.LastModified < DateTimeOffset.UtcNow.AddHours(1), $"{o.Key}: {o.LastModified}"));
    }

    [Fact]
    public async Task Delete_is_idempotent()
    {
        await Store.PutAsync("del/me", "x"u8.ToArray(), Ct);

        await Store.DeleteAsync("del/me", Ct);
        await Store.DeleteAsync("del/me", Ct);
        await Store.DeleteAsync("del/never-existed", Ct);

        Assert.Null(await Store.GetAsync("del/me", Ct));
        Assert.Empty(await ListAsync("del/"));
    }

    [Fact]
    public async Task Hive_partition_keys_with_equals_spaces_and_symbols_round_trip()
    {
        string[] keys =
        [
            "events/project=acme/dt=2026-11-21/part-01.parquet",
            "events/project=acme corp/dt=2026-11-21/part 02.parquet",
            "events/project=a+b&c,d;e@f/dt=2026-11-21/part-03~(1).parquet",
            "events/project=café/dt=2026-11-21/part-04.parquet",
        ];
        foreach (var key in keys)
        {
            await Store.PutAsync(key, Encoding.UTF8.GetBytes(key), Ct);
        }

        foreach (var key in keys)
        {
            var got = await Store.GetAsync(key, Ct);
            Assert.Equal(key, Encoding.UTF8.GetString(got!.Content));
        }

        var listed = (await ListAsync("events/project=acme")).Select(o => o.Key);
        Assert.Equal(keys[..2].Order(StringComparer.Ordinal), listed);
        Assert.Equal(keys.Order(StringComparer.Ordinal), (await ListAsync("events/")).Select(o => o.Key));

        await Store.DeleteAsync(keys[1], Ct);
        Assert.Null(await Store.GetAsync(keys[1], Ct));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("/absolute")]
    [InlineData("a\\b")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("trailing/")]
    [InlineData("")]
    public async Task Invalid_keys_are_refused_naming_the_key(string key)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(key, "x"u8.ToArray(), Ct));
        Assert.Contains($"'{key}'", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetAsync(key, Ct));
    }

    [Fact]
    public async Task Create_only_twice_the_second_returns_null()
    {
        var first = await Store.PutConditionalAsync("leases/compaction", "owner-1"u8.ToArray(), null, Ct);
        var second = await Store.PutConditionalAsync("leases/compaction", "owner-2"u8.ToArray(), null, Ct);
        var stored = await Store.GetAsync("leases/compaction", Ct);

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.Equal("owner-1"u8.ToArray(), stored!.Content);
        Assert.Equal(first, stored.ETag);
    }

    [Fact]
    public async Task If_match_succeeds_with_the_current_etag_and_fails_with_a_stale_one()
    {
        var v1 = await Store.PutConditionalAsync("state/budget.json", "v1"u8.ToArray(), null, Ct);
        var fromGet = (await Store.GetAsync("state/budget.json", Ct))!.ETag;
        var v2 = await Store.PutConditionalAsync("state/budget.json", "v2"u8.ToArray(), fromGet, Ct);
        var stale = await Store.PutConditionalAsync("state/budget.json", "v3"u8.ToArray(), v1, Ct);
        var stored = await Store.GetAsync("state/budget.json", Ct);

        Assert.Equal(v1, fromGet);
        Assert.NotNull(v2);
        Assert.NotEqual(v1, v2);
        Assert.Null(stale);
        Assert.Equal("v2"u8.ToArray(), stored!.Content);
        Assert.Equal(v2, stored.ETag);
    }

    [Fact]
    public async Task If_match_on_a_missing_object_returns_null()
    {
        await Store.PutAsync("state/gone", "x"u8.ToArray(), Ct);
        var etag = (await Store.GetAsync("state/gone", Ct))!.ETag;
        await Store.DeleteAsync("state/gone", Ct);

        Assert.Null(await Store.PutConditionalAsync("state/gone", "y"u8.ToArray(), etag, Ct));
        Assert.Null(await Store.GetAsync("state/gone", Ct));
    }

    [Fact]
    public async Task Racing_create_only_writers_exactly_one_wins()
    {
        for (var round = 0; round < 5; round++)
        {
            var key = $"race/lease-{round}";
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                await start.Task;
                return (Writer: i, ETag: await Store.PutConditionalAsync(key, Encoding.UTF8.GetBytes($"writer-{i}"), null, Ct));
            })).ToArray();
            start.SetResult();
            var results = await Task.WhenAll(writers);

            var winner = Assert.Single(results, r => r.ETag is not null);
            var stored = await Store.GetAsync(key, Ct);
            Assert.Equal($"writer-{winner.Writer}", Encoding.UTF8.GetString(stored!.Content));
            Assert.Equal(winner.ETag, stored.ETag);
        }
    }

    [Fact]
    public async Task Racing_if_match_writers_exactly_one_wins()
    {
        var etag = await Store.PutConditionalAsync("race/state", "v0"u8.ToArray(), null, Ct);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return (Writer: i, ETag: await Store.PutConditionalAsync("race/state", Encoding.UTF8.GetBytes($"v1-{i}"), etag, Ct));
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(writers);

        var winner = Assert.Single(results, r => r.ETag is not null);
        Assert.Equal($"v1-{winner.Writer}", Encoding.UTF8.GetString((await Store.GetAsync("race/state", Ct))!.Content));
    }

    protected async Task<List<ObjectInfo>> ListAsync(string prefix)
    {
        var items = new List<ObjectInfo>();
        await foreach (var item in Store.ListAsync(prefix, Ct))
        {
            items.Add(item);
        }

        return items;
    }

    protected string TempFile(int size) => TempFile(new byte[size]);

    protected string TempFile(byte[] content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"lensai-upload-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, content);
        _tempFiles.Add(path);
        return path;
    }

    private static void AssertSameBytes(byte[] expected, byte[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} bytes, expected {expected.Length}.");
        var firstDifference = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(firstDifference == expected.Length, $"{what}: differs from what was written at byte {firstDifference} of {expected.Length}.");
    }

    protected static string UniquePrefix() => $"t-{Guid.NewGuid():N}/";
}

public sealed class LocalFolderStoreConformanceTests : ObjectStoreConformanceTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"lensai-local-{Guid.NewGuid():N}");

    protected override IObjectStore CreateIsolatedStore() => new LocalFolderStore(_root);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_root))
        {
            Assert.Empty(Directory.EnumerateFiles(_root, "*.tmp", SearchOption.AllDirectories));
            Directory.Delete(_root, recursive: true);
        }
    }
}

[Collection(S3rverServer.Name)]
public sealed class S3ObjectStoreConformanceTests(S3rverFixture s3) : ObjectStoreConformanceTests
{
    protected override IObjectStore CreateIsolatedStore() => new S3ObjectStore(new S3StoreOptions
    {
        ServiceUrl = s3.ServiceUrl,
        Bucket = S3rverFixture.Bucket,
        Prefix = UniquePrefix(),
        AccessKey = S3rverFixture.AccessKey,
        SecretKey = S3rverFixture.SecretKey,
        ForcePathStyle = true,
        ListPageSize = PageSize,
        Timeout = TimeSpan.FromSeconds(20),
    });
}

[Collection(AzuriteServer.Name)]
public sealed class AzureBlobStoreConformanceTests(AzuriteFixture azurite) : ObjectStoreConformanceTests
{
    protected override IObjectStore CreateIsolatedStore() => new AzureBlobStore(new AzureBlobStoreOptions
    {
        ConnectionString = azurite.ConnectionString,
        Container = "conformance",
        CreateContainerIfMissing = true,
        Prefix = UniquePrefix(),
        ListPageSize = PageSize,
        // Above 4 MiB objects go up as 4 MiB blocks (Put Block + Put Block List) and come down in 4 MiB ranges;
        // up to it in one Put Blob and one Get Blob.
        SinglePutLimitBytes = TransferThreshold,
        BlockSizeBytes = TransferThreshold,
        Timeout = TimeSpan.FromSeconds(20),
    });
}
