using System.Text;
using LensAI.Backend.Storage;

namespace LensAI.Backend.Tests.Storage;

/// <summary>What only the local folder store has to prove: its files, its temp files, and its OS-level locking.</summary>
public sealed class LocalFolderStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"lensai-localtests-{Guid.NewGuid():N}");

    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Keys_map_to_files_under_the_root()
    {
        var store = new LocalFolderStore(_root);
        await store.PutAsync("events/project=acme/dt=2026-11-21/part-01.parquet", "x"u8.ToArray(), Ct);

        var expected = Path.Combine(_root, "events", "project=acme", "dt=2026-11-21", "part-01.parquet");
        Assert.Equal("x", await File.ReadAllTextAsync(expected));
    }

    [Theory]
    [InlineData(".lensai-locks/stripe-00.lock")]
    [InlineData("a/.lensai-x.tmp")]
    public async Task The_stores_own_names_are_reserved(string key)
    {
        var store = new LocalFolderStore(_root);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(key, "x"u8.ToArray(), Ct));
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Temp_files_and_lock_files_are_never_listed()
    {
        var store = new LocalFolderStore(_root);
        await store.PutAsync("a/real", "x"u8.ToArray(), Ct);
        await store.PutConditionalAsync("a/lease", "x"u8.ToArray(), null, Ct);
        // What a crash between write and rename leaves behind.
        await File.WriteAllTextAsync(Path.Combine(_root, "a", ".lensai-0123456789abcdef.tmp"), "partial");

        var keys = new List<string>();
        await foreach (var item in store.ListAsync("", Ct))
        {
            keys.Add(item.Key);
        }

        Assert.Equal(["a/lease", "a/real"], keys);
        Assert.True(Directory.Exists(Path.Combine(_root, ".lensai-locks")));
    }

    [Fact]
    public async Task Readers_see_the_old_or_the_new_content_never_a_mix()
    {
        var store = new LocalFolderStore(_root);
        var a = Enumerable.Repeat((byte)'A', 512 * 1024).ToArray();
        var b = Enumerable.Repeat((byte)'B', 256 * 1024).ToArray();
        await store.PutAsync("hot/key", a, Ct);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                await store.PutAsync("hot/key", i % 2 == 0 ? b : a, Ct);
            }
        });
        var reads = 0;
        while (!writer.IsCompleted && !stop.IsCancellationRequested)
        {
            var got = await store.GetAsync("hot/key", Ct);
            Assert.NotNull(got);
            Assert.True(got.Content.SequenceEqual(a) || got.Content.SequenceEqual(b), $"read {got.Content.Length} mixed bytes");
            var listed = new List<ObjectInfo>();
            await foreach (var item in store.ListAsync("hot/", Ct))
            {
                listed.Add(item);
            }

            Assert.Equal("hot/key", Assert.Single(listed).Key);
            reads++;
        }

        await writer;
        Assert.True(reads > 0);
    }

    [Fact]
    public async Task Two_store_instances_on_one_folder_race_create_only_and_exactly_one_wins()
    {
        // Two instances share no in-process state: only the OS file lock (as between two processes) serializes them.
        var first = new LocalFolderStore(_root);
        var second = new LocalFolderStore(_root);
        for (var round = 0; round < 10; round++)
        {
            var key = $"leases/job-{round}";
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
            {
                await start.Task;
                var store = i % 2 == 0 ? first : second;
                return (Writer: i, ETag: await store.PutConditionalAsync(key, Encoding.UTF8.GetBytes($"w{i}"), null, Ct));
            })).ToArray();
            start.SetResult();
            var results = await Task.WhenAll(writers);

            var winner = Assert.Single(results, r => r.ETag is not null);
            Assert.Equal($"w{winner.Writer}", Encoding.UTF8.GetString((await first.GetAsync(key, Ct))!.Content));
        }
    }

    [Fact]
    public async Task Two_store_instances_race_if_match_and_exactly_one_wins()
    {
        var first = new LocalFolderStore(_root);
        var second = new LocalFolderStore(_root);
        var etag = await first.PutConditionalAsync("state/s", "v0"u8.ToArray(), null, Ct);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await (i % 2 == 0 ? first : second).PutConditionalAsync("state/s", Encoding.UTF8.GetBytes($"v1-{i}"), etag, Ct);
        })).ToArray();
        start.SetResult();

        var results = await Task.WhenAll(writers);

        Assert.Single(results, r => r is not null);
    }

    [Fact]
    public async Task A_lock_held_by_another_process_makes_writes_wait_then_fail_clearly()
    {
        var store = new LocalFolderStore(_root, lockTimeout: TimeSpan.FromMilliseconds(300));
        var locks = Enumerable.Range(0, 64)
            .Select(i => new FileStream(Path.Combine(_root, ".lensai-locks", $"stripe-{i:D2}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            .ToList();
        try
        {
            var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutConditionalAsync("leases/x", "x"u8.ToArray(), null, Ct));
            Assert.Equal("LockTimeout", ex.ErrorCode);
            Assert.Empty(Directory.GetFiles(Path.Combine(_root, "leases"), "*.tmp"));
        }
        finally
        {
            locks.ForEach(l => l.Dispose());
        }

        Assert.NotNull(await store.PutConditionalAsync("leases/x", "x"u8.ToArray(), null, Ct));
    }

    [Fact]
    public async Task Delete_prunes_empty_folders_but_keeps_the_root()
    {
        var store = new LocalFolderStore(_root);
        await store.PutAsync("events/project=acme/dt=2026-11-21/part-01.parquet", "x"u8.ToArray(), Ct);
        await store.PutAsync("events/project=acme/dt=2026-11-22/part-01.parquet", "x"u8.ToArray(), Ct);

        await store.DeleteAsync("events/project=acme/dt=2026-11-21/part-01.parquet", Ct);

        Assert.False(Directory.Exists(Path.Combine(_root, "events", "project=acme", "dt=2026-11-21")));
        Assert.True(Directory.Exists(Path.Combine(_root, "events", "project=acme", "dt=2026-11-22")));
        await store.DeleteAsync("events/project=acme/dt=2026-11-22/part-01.parquet", Ct);
        Assert.Equal([".lensai-locks"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_key_that_is_a_folder_of_other_keys_reads_as_missing_and_cannot_be_written()
    {
        var store = new LocalFolderStore(_root);
        await store.PutAsync("a/b", "x"u8.ToArray(), Ct);

        Assert.Null(await store.GetAsync("a", Ct));
        Assert.Null(await store.PutConditionalAsync("a", "y"u8.ToArray(), null, Ct));
        await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("a", "y"u8.ToArray(), Ct));
    }
}
