using LensAI.Samples;

namespace LensAI.Samples.Tests;

/// <summary>Every sample empties its --data-dir at start: never a folder it did not make.</summary>
public sealed class DataDirectoryTests
{
    [Fact]
    public void A_non_empty_folder_the_samples_did_not_make_is_refused_and_left_alone()
    {
        using var folder = new TempDirectory();
        var precious = Path.Combine(folder.Path, "thesis.docx");
        File.WriteAllText(precious, "years of work");

        var error = Assert.Throws<InvalidOperationException>(() => LocalBackend.ResetDataDirectory(folder.Path));
        Assert.Contains("refusing to delete it", error.Message, StringComparison.Ordinal);
        Assert.Contains(folder.Path, error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(precious));
    }

    [Fact]
    public void A_folder_a_sample_made_is_emptied_and_marked_again()
    {
        using var folder = new TempDirectory();
        var data = Path.Combine(folder.Path, "data");
        LocalBackend.ResetDataDirectory(data); // new: created and marked
        File.WriteAllText(Path.Combine(data, "old-run.parquet"), "x");

        LocalBackend.ResetDataDirectory(data);

        Assert.Equal([LocalBackend.MarkerFile], Directory.GetFileSystemEntries(data).Select(Path.GetFileName));
    }

    [Fact]
    public void A_folder_from_before_the_marker_holding_only_store_and_work_is_still_reset()
    {
        using var folder = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(folder.Path, "store", "events"));
        Directory.CreateDirectory(Path.Combine(folder.Path, "work"));

        LocalBackend.ResetDataDirectory(folder.Path);

        Assert.False(Directory.Exists(Path.Combine(folder.Path, "store")));
    }
}
