"""Pydantic's own validation messages, by error type: the English template pydantic
renders (its ``message_template_python``, placeholders from the error's ``ctx``) and the
Indonesian. ``tests/unit/test_translations.py`` keeps the English equal to the
installed pydantic's and every type of it here."""

PYDANTIC: dict[str, tuple[str, str]] = {
    "no_such_attribute": (
        "Object has no attribute '{attribute}'",
        "Objek tidak memiliki atribut '{attribute}'",
    ),
    "json_invalid": ("Invalid JSON: {error}", "JSON tidak valid: {error}"),
    "json_type": (
        "JSON input should be string, bytes or bytearray",
        "Masukan JSON harus berupa string, bytes atau bytearray",
    ),
    "needs_python_object": (
        "Cannot check `{method_name}` when validating from json, use a JsonOrPython validator instead",
        "Tidak dapat memeriksa `{method_name}` saat memvalidasi dari JSON",
    ),
    "recursion_loop": (
        "Recursion error - cyclic reference detected",
        "Kesalahan rekursi - ada referensi melingkar",
    ),
    "recursion_depth_exceeded": (
        "Recursion error - maximum validation depth exceeded",
        "Kesalahan rekursi - kedalaman validasi maksimum terlampaui",
    ),
    "missing": ("Field required", "Wajib diisi"),
    "frozen_field": ("Field is frozen", "Kolom tidak dapat diubah"),
    "frozen_instance": ("Instance is frozen", "Objek tidak dapat diubah"),
    "extra_forbidden": ("Extra inputs are not permitted", "Kolom tambahan tidak diizinkan"),
    "invalid_key": ("Keys should be strings", "Kunci harus berupa teks"),
    "get_attribute_error": (
        "Error extracting attribute: {error}",
        "Gagal mengambil atribut: {error}",
    ),
    "model_type": (
        "Input should be a valid dictionary or instance of {class_name}",
        "Masukan harus berupa objek atau instans {class_name}",
    ),
    "model_attributes_type": (
        "Input should be a valid dictionary or object to extract fields from",
        "Masukan harus berupa objek yang kolomnya dapat dibaca",
    ),
    "dataclass_type": (
        "Input should be a dictionary or an instance of {class_name}",
        "Masukan harus berupa objek atau instans {class_name}",
    ),
    "dataclass_exact_type": (
        "Input should be an instance of {class_name}",
        "Masukan harus berupa instans {class_name}",
    ),
    "named_tuple_type": (
        "Input should be a tuple, list, dictionary or an instance of {class_name}",
        "Masukan harus berupa tuple, daftar, objek atau instans {class_name}",
    ),
    "default_factory_not_called": (
        "The default factory uses validated data, but at least one validation error occurred",
        "Nilai bawaan memakai data yang divalidasi, tetapi ada kesalahan validasi",
    ),
    "none_required": ("Input should be None", "Masukan harus kosong (null)"),
    "greater_than": ("Input should be greater than {gt}", "Masukan harus lebih besar dari {gt}"),
    "greater_than_equal": (
        "Input should be greater than or equal to {ge}",
        "Masukan harus lebih besar dari atau sama dengan {ge}",
    ),
    "less_than": ("Input should be less than {lt}", "Masukan harus lebih kecil dari {lt}"),
    "less_than_equal": (
        "Input should be less than or equal to {le}",
        "Masukan harus lebih kecil dari atau sama dengan {le}",
    ),
    "multiple_of": (
        "Input should be a multiple of {multiple_of}",
        "Masukan harus kelipatan {multiple_of}",
    ),
    "finite_number": ("Input should be a finite number", "Masukan harus berupa bilangan hingga"),
    "too_short": (
        "{field_type} should have at least {min_length} item{expected_plural} after validation,"
        " not {actual_length}",
        "{field_type} harus memiliki minimal {min_length} butir setelah validasi,"
        " bukan {actual_length}",
    ),
    "too_long": (
        "{field_type} should have at most {max_length} item{expected_plural} after validation,"
        " not {actual_length}",
        "{field_type} harus memiliki paling banyak {max_length} butir setelah validasi,"
        " bukan {actual_length}",
    ),
    "iterable_type": ("Input should be iterable", "Masukan harus dapat diiterasi"),
    "iteration_error": (
        "Error iterating over object, error: {error}",
        "Gagal mengiterasi objek, kesalahan: {error}",
    ),
    "string_type": ("Input should be a valid string", "Masukan harus berupa teks"),
    "string_unicode": (
        "Input should be a valid string, unable to parse raw data as a unicode string",
        "Masukan harus berupa teks, data tidak dapat dibaca sebagai Unicode",
    ),
    "string_too_short": (
        "String should have at least {min_length} character{expected_plural}",
        "Teks minimal {min_length} karakter",
    ),
    "string_too_long": (
        "String should have at most {max_length} character{expected_plural}",
        "Teks paling banyak {max_length} karakter",
    ),
    "string_pattern_mismatch": (
        "String should match pattern '{pattern}'",
        "Teks harus sesuai pola '{pattern}'",
    ),
    "string_not_ascii": (
        "String should contain only ASCII characters",
        "Teks hanya boleh berisi karakter ASCII",
    ),
    "enum": ("Input should be {expected}", "Masukan harus {expected}"),
    "dict_type": ("Input should be a valid dictionary", "Masukan harus berupa objek"),
    "frozen_dict_type": ("Input should be a valid frozendict", "Masukan harus berupa frozendict"),
    "ordered_dict_type": (
        "Input should be a valid OrderedDict",
        "Masukan harus berupa OrderedDict",
    ),
    "counter_type": ("Input should be a valid Counter", "Masukan harus berupa Counter"),
    "mapping_type": (
        "Input should be a valid mapping, error: {error}",
        "Masukan harus berupa pemetaan, kesalahan: {error}",
    ),
    "list_type": ("Input should be a valid list", "Masukan harus berupa daftar"),
    "deque_type": ("Input should be a valid deque", "Masukan harus berupa deque"),
    "tuple_type": ("Input should be a valid tuple", "Masukan harus berupa tuple"),
    "set_type": ("Input should be a valid set", "Masukan harus berupa himpunan"),
    "set_item_not_hashable": ("Set items should be hashable", "Isi himpunan harus dapat di-hash"),
    "bool_type": ("Input should be a valid boolean", "Masukan harus berupa boolean"),
    "bool_parsing": (
        "Input should be a valid boolean, unable to interpret input",
        "Masukan harus berupa boolean, masukan tidak dapat ditafsirkan",
    ),
    "int_type": ("Input should be a valid integer", "Masukan harus berupa bilangan bulat"),
    "int_parsing": (
        "Input should be a valid integer, unable to parse string as an integer",
        "Masukan harus berupa bilangan bulat, teks tidak dapat dibaca sebagai bilangan bulat",
    ),
    "int_parsing_size": (
        "Unable to parse input string as an integer, exceeded maximum size",
        "Teks tidak dapat dibaca sebagai bilangan bulat, melebihi ukuran maksimum",
    ),
    "int_from_float": (
        "Input should be a valid integer, got a number with a fractional part",
        "Masukan harus berupa bilangan bulat, bukan bilangan pecahan",
    ),
    "float_type": ("Input should be a valid number", "Masukan harus berupa angka"),
    "float_parsing": (
        "Input should be a valid number, unable to parse string as a number",
        "Masukan harus berupa angka, teks tidak dapat dibaca sebagai angka",
    ),
    "bytes_type": ("Input should be a valid bytes", "Masukan harus berupa bytes"),
    "bytes_too_short": (
        "Data should have at least {min_length} byte{expected_plural}",
        "Data minimal {min_length} byte",
    ),
    "bytes_too_long": (
        "Data should have at most {max_length} byte{expected_plural}",
        "Data paling banyak {max_length} byte",
    ),
    "bytes_invalid_encoding": (
        "Data should be valid {encoding}: {encoding_error}",
        "Data harus {encoding} yang valid: {encoding_error}",
    ),
    # A validator's own ValueError: its message, translated from the catalog.
    "value_error": ("Value error, {error}", "{error}"),
    "assertion_error": ("Assertion failed, {error}", "{error}"),
    "literal_error": ("Input should be {expected}", "Masukan harus {expected}"),
    "missing_sentinel_error": (
        "Input should be the 'MISSING' sentinel",
        "Masukan harus penanda 'MISSING'",
    ),
    "ellipsis_error": (
        "Input should be the 'Ellipsis' literal",
        "Masukan harus literal 'Ellipsis'",
    ),
    "date_type": ("Input should be a valid date", "Masukan harus berupa tanggal"),
    "date_parsing": (
        "Input should be a valid date in the format YYYY-MM-DD, {error}",
        "Masukan harus berupa tanggal dengan format YYYY-MM-DD, {error}",
    ),
    "date_from_datetime_parsing": (
        "Input should be a valid date or datetime, {error}",
        "Masukan harus berupa tanggal atau tanggal dan waktu, {error}",
    ),
    "date_from_datetime_inexact": (
        "Datetimes provided to dates should have zero time - e.g. be exact dates",
        "Tanggal dan waktu untuk sebuah tanggal harus berjam 00:00",
    ),
    "date_past": ("Date should be in the past", "Tanggal harus di masa lalu"),
    "date_future": ("Date should be in the future", "Tanggal harus di masa mendatang"),
    "time_type": ("Input should be a valid time", "Masukan harus berupa waktu"),
    "time_parsing": (
        "Input should be in a valid time format, {error}",
        "Masukan harus berformat waktu yang valid, {error}",
    ),
    "datetime_type": ("Input should be a valid datetime", "Masukan harus berupa tanggal dan waktu"),
    "datetime_parsing": (
        "Input should be a valid datetime, {error}",
        "Masukan harus berupa tanggal dan waktu, {error}",
    ),
    "datetime_object_invalid": (
        "Invalid datetime object, got {error}",
        "Objek tanggal dan waktu tidak valid: {error}",
    ),
    "datetime_from_date_parsing": (
        "Input should be a valid datetime or date, {error}",
        "Masukan harus berupa tanggal dan waktu atau tanggal, {error}",
    ),
    "datetime_past": ("Input should be in the past", "Masukan harus di masa lalu"),
    "datetime_future": ("Input should be in the future", "Masukan harus di masa mendatang"),
    "timezone_naive": (
        "Input should not have timezone info",
        "Masukan tidak boleh memiliki zona waktu",
    ),
    "timezone_aware": ("Input should have timezone info", "Masukan harus memiliki zona waktu"),
    "timezone_offset": (
        "Timezone offset of {tz_expected} required, got {tz_actual}",
        "Selisih zona waktu {tz_expected} diperlukan, bukan {tz_actual}",
    ),
    "time_delta_type": ("Input should be a valid timedelta", "Masukan harus berupa durasi"),
    "time_delta_parsing": (
        "Input should be a valid timedelta, {error}",
        "Masukan harus berupa durasi, {error}",
    ),
    "frozen_set_type": ("Input should be a valid frozenset", "Masukan harus berupa frozenset"),
    "is_instance_of": (
        "Input should be an instance of {class}",
        "Masukan harus berupa instans {class}",
    ),
    "is_subclass_of": (
        "Input should be a subclass of {class}",
        "Masukan harus subkelas dari {class}",
    ),
    "callable_type": ("Input should be callable", "Masukan harus dapat dipanggil"),
    "union_tag_invalid": (
        "Input tag '{tag}' found using {discriminator} does not match any of the expected tags:"
        " {expected_tags}",
        "Tag '{tag}' yang ditemukan dengan {discriminator} tidak cocok dengan tag yang diharapkan:"
        " {expected_tags}",
    ),
    "union_tag_not_found": (
        "Unable to extract tag using discriminator {discriminator}",
        "Tag tidak dapat diambil dengan {discriminator}",
    ),
    "arguments_type": (
        "Arguments must be a tuple, list or a dictionary",
        "Argumen harus berupa tuple, daftar atau objek",
    ),
    "missing_argument": ("Missing required argument", "Argumen wajib tidak ada"),
    "unexpected_keyword_argument": (
        "Unexpected keyword argument",
        "Argumen kata kunci tidak terduga",
    ),
    "missing_keyword_only_argument": (
        "Missing required keyword only argument",
        "Argumen kata kunci wajib tidak ada",
    ),
    "unexpected_positional_argument": (
        "Unexpected positional argument",
        "Argumen posisi tidak terduga",
    ),
    "missing_positional_only_argument": (
        "Missing required positional only argument",
        "Argumen posisi wajib tidak ada",
    ),
    "multiple_argument_values": (
        "Got multiple values for argument",
        "Argumen diberi beberapa nilai",
    ),
    "url_type": ("URL input should be a string or URL", "Masukan URL harus berupa teks atau URL"),
    "url_parsing": (
        "Input should be a valid URL, {error}",
        "Masukan harus berupa URL yang valid, {error}",
    ),
    "url_syntax_violation": (
        "Input violated strict URL syntax rules, {error}",
        "Masukan melanggar aturan sintaks URL, {error}",
    ),
    "url_too_long": (
        "URL should have at most {max_length} character{expected_plural}",
        "URL paling banyak {max_length} karakter",
    ),
    "url_scheme": ("URL scheme should be {expected_schemes}", "Skema URL harus {expected_schemes}"),
    "uuid_type": (
        "UUID input should be a string, bytes or UUID object",
        "Masukan UUID harus berupa teks, bytes atau objek UUID",
    ),
    "uuid_parsing": (
        "Input should be a valid UUID, {error}",
        "Masukan harus berupa UUID yang valid, {error}",
    ),
    "uuid_version": (
        "UUID version {expected_version} expected",
        "UUID versi {expected_version} diperlukan",
    ),
    "decimal_type": (
        "Decimal input should be an integer, float, string or Decimal object",
        "Masukan desimal harus berupa bilangan bulat, pecahan, teks atau Decimal",
    ),
    "decimal_parsing": (
        "Input should be a valid decimal",
        "Masukan harus berupa desimal yang valid",
    ),
    "decimal_max_digits": (
        "Decimal input should have no more than {max_digits} digit{expected_plural} in total",
        "Masukan desimal paling banyak {max_digits} digit seluruhnya",
    ),
    "decimal_max_places": (
        "Decimal input should have no more than {decimal_places} decimal place{expected_plural}",
        "Masukan desimal paling banyak {decimal_places} angka di belakang koma",
    ),
    "decimal_whole_digits": (
        "Decimal input should have no more than {whole_digits} digit{expected_plural}"
        " before the decimal point",
        "Masukan desimal paling banyak {whole_digits} digit sebelum koma",
    ),
    "fraction_type": (
        "Fraction input should be an integer, float, string or Fraction object",
        "Masukan pecahan harus berupa bilangan bulat, pecahan, teks atau Fraction",
    ),
    "fraction_parsing": ("Input is not a valid fraction", "Masukan bukan pecahan yang valid"),
    "complex_type": (
        "Input should be a valid python complex object, a number, or a valid complex string"
        " following the rules at https://docs.python.org/3/library/functions.html#complex",
        "Masukan harus berupa bilangan kompleks yang valid",
    ),
    "complex_str_parsing": (
        "Input should be a valid complex string following the rules at"
        " https://docs.python.org/3/library/functions.html#complex",
        "Masukan harus berupa teks bilangan kompleks yang valid",
    ),
}
