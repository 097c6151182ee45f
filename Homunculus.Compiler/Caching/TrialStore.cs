using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Caching;

/// <summary>
/// Every finished trial of the design-space search (and every fixed configuration trained), one JSON file
/// per trial: <c>&lt;cache&gt;/.trials/&lt;context&gt;/&lt;configuration key&gt;.json</c>. The context is a hash of what
/// training depends on (compiler identity, the .hspec without its search, model, platform and objective
/// settings, and the data bytes); the record holds the configuration, the trained model and its metrics
/// (resources are re-estimated from the model, so budgets may change without retraining).
/// Each file is written under a unique temporary name and renamed into place, so a killed build never
/// leaves a half-written record and two builds writing the same trial both leave a whole one.
/// The folder starts with '.', so the output cache's pruning leaves it alone; it keeps its own 32 most
/// recently used contexts.
/// </summary>
public sealed class TrialStore
{
    public const string FolderName = ".trials";

    public const int ContextCapacity = 32;

    private readonly string _root;

    private readonly string _folder;

    public TrialStore(string cacheRoot, string context)
    {
        _root = Path.Combine(Path.GetFullPath(cacheRoot), FolderName);
        Context = context;
        _folder = Path.Combine(_root, context);
    }

    public string Context { get; }

    /// <summary>The record of a trial, or null (absent, or unreadable: then it is trained again).</summary>
    public JObject? TryGet(string key)
    {
        string path = Path.Combine(_folder, key + ".json");
        try
        {
            if (!File.Exists(path)) return null;
            return JObject.Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Put(string key, JObject record) => WriteAtomically(Path.Combine(_folder, key + ".json"), record);

    /// <summary>The warm-start list fixed for this context (written once, at its first search), or null.</summary>
    public JArray? ReadWarmStart() => ReadArray(Path.Combine(_folder, "warm-start.json"));

    public void WriteWarmStart(JArray configurations)
    {
        string path = Path.Combine(_folder, "warm-start.json");
        if (!File.Exists(path)) WriteAtomically(path, configurations);
    }

    /// <summary>The best configurations of the last search of a program (in any context), with that context.</summary>
    public (string Context, JArray Configurations)? ReadLatestBest(string program)
    {
        var json = ReadToken(Path.Combine(_root, "best-" + program + ".json")) as JObject;
        if (json?["context"] is JValue { Type: JTokenType.String } context && json["configurations"] is JArray configurations)
            return ((string)context!, configurations);
        return null;
    }

    public void WriteLatestBest(string program, JArray configurations) =>
        WriteAtomically(Path.Combine(_root, "best-" + program + ".json"), new JObject { ["context"] = Context, ["configurations"] = configurations });

    private static JArray? ReadArray(string path) => ReadToken(path) as JArray;

    private static JToken? ReadToken(string path)
    {
        try
        {
            return File.Exists(path) ? JToken.Parse(File.ReadAllText(path)) : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void WriteAtomically(string path, JToken content)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temporary, content.ToString(Formatting.None), new UTF8Encoding(false));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cache is an optimization: a trial that cannot be recorded is trained again next time.
        }
    }

    /// <summary>Touches this context and removes the least recently used ones beyond the capacity, and stale temporary files.</summary>
    public void Prune()
    {
        try
        {
            if (Directory.Exists(_folder)) Directory.SetLastWriteTimeUtc(_folder, DateTime.UtcNow);
            if (!Directory.Exists(_root)) return;
            var root = new DirectoryInfo(_root);
            foreach (var old in root.GetDirectories().OrderByDescending(d => d.LastWriteTimeUtc).ThenBy(d => d.Name, StringComparer.Ordinal).Skip(ContextCapacity))
                old.Delete(recursive: true);
            foreach (var stale in root.EnumerateFiles("*.tmp", SearchOption.AllDirectories).Where(f => f.LastWriteTimeUtc < DateTime.UtcNow.AddHours(-1)))
                stale.Delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort; a concurrent build may be doing the same.
        }
    }
}
