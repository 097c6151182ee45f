using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Converters;
using Newtonsoft.Json.Linq;
using Newtonsoft.Json.Serialization;

namespace Homunculus.Model.Ir
{
    /// <summary>Reads and writes the model file (JSON, camelCase, "\n" line ends, byte-identical for equal models).</summary>
    public static class ModelFileJson
    {
        private static readonly JsonSerializerSettings Settings = new JsonSerializerSettings
        {
            ContractResolver = new DefaultContractResolver { NamingStrategy = new CamelCaseNamingStrategy() },
            Converters = { new StringEnumConverter(new CamelCaseNamingStrategy()), new EquatableArrayConverter(), new ModelNodeConverter() },
            Formatting = Formatting.Indented,
            NullValueHandling = NullValueHandling.Ignore,
            FloatFormatHandling = FloatFormatHandling.String,
            MissingMemberHandling = MissingMemberHandling.Ignore,
            // Replace, not populate, the initialised defaults: otherwise the "kind" converter is bypassed.
            ObjectCreationHandling = ObjectCreationHandling.Replace,
        };

        public static string Serialize(ModelFile model)
        {
            var serializer = JsonSerializer.Create(Settings);
            using var writer = new StringWriter { NewLine = "\n" };
            serializer.Serialize(writer, model);
            writer.Write("\n");
            return writer.ToString();
        }

        /// <exception cref="JsonException">The text is not a model file.</exception>
        public static ModelFile Deserialize(string json)
        {
            var serializer = JsonSerializer.Create(Settings);
            using var reader = new JsonTextReader(new StringReader(json));
            var model = serializer.Deserialize<ModelFile>(reader) ?? throw new JsonSerializationException("empty model file");
            if (model.FormatVersion != ModelFile.CurrentFormatVersion)
                throw new JsonSerializationException($"model file format {model.FormatVersion} is not supported (expected {ModelFile.CurrentFormatVersion})");
            return model;
        }

        private sealed class EquatableArrayConverter : JsonConverter
        {
            public override bool CanConvert(Type objectType) =>
                objectType.IsGenericType && objectType.GetGenericTypeDefinition() == typeof(EquatableArray<>);

            public override object? ReadJson(JsonReader reader, Type objectType, object? existingValue, JsonSerializer serializer)
            {
                var elementType = objectType.GetGenericArguments()[0];
                var listType = typeof(List<>).MakeGenericType(elementType);
                var list = reader.TokenType == JsonToken.Null ? Activator.CreateInstance(listType) : serializer.Deserialize(reader, listType);
                return Activator.CreateInstance(objectType, list);
            }

            public override void WriteJson(JsonWriter writer, object? value, JsonSerializer serializer)
            {
                writer.WriteStartArray();
                foreach (var item in (System.Collections.IEnumerable)value!)
                {
                    serializer.Serialize(writer, item);
                }
                writer.WriteEndArray();
            }
        }

        private sealed class ModelNodeConverter : JsonConverter
        {
            private static readonly Dictionary<string, Type> Kinds = new Dictionary<string, Type>
            {
                ["network"] = typeof(MlpModel),
                ["trees"] = typeof(TreeEnsembleModel),
                [ScheduleModel.KindName] = typeof(ScheduleModel),
            };

            public override bool CanConvert(Type objectType) => objectType == typeof(ModelNode);

            public override bool CanWrite => false;

            public override object? ReadJson(JsonReader reader, Type objectType, object? existingValue, JsonSerializer serializer)
            {
                var obj = JObject.Load(reader);
                var kind = (string?)obj["kind"] ?? throw new JsonSerializationException("model has no 'kind'");
                if (!Kinds.TryGetValue(kind, out var type))
                    throw new JsonSerializationException($"unknown model kind '{kind}' (known: {string.Join(", ", Kinds.Keys.OrderBy(k => k, StringComparer.Ordinal))})");
                return obj.ToObject(type, serializer);
            }

            public override void WriteJson(JsonWriter writer, object? value, JsonSerializer serializer) => throw new NotSupportedException();
        }
    }
}
