"""Indonesian words and phrases the generator builds SOP sentences from.

The domain is the sample handbook's: a WordPress site of a community organisation,
its backups, its security and its editorial work. Phrases are grammatical on their
own, so any combination the generator makes reads as plausible SOP prose.
"""

from __future__ import annotations

PILLARS = {  # key: (folder, id prefix, share of the procedures)
    "management": ("manajemen", "MAN", 0.25),
    "technical": ("teknis", "TEK", 0.40),
    "content": ("konten", "KON", 0.35),
}

PILLAR_TEXT = {
    "management": ("Manajemen", "Pilar manajemen menetapkan siapa memutuskan apa: strategi "
                   "website, peran, anggaran, aset, risiko, pelaporan dan tinjauan SOP."),
    "technical": ("Pengelolaan Teknis", "Pilar teknis mengatur cara situs WordPress "
                  "diperbarui, dicadangkan dan diamankan, agar kerusakan atau serangan tidak "
                  "dapat menghancurkan data."),
    "content": ("Pengelolaan Konten", "Pilar konten mengatur cara konten ditulis, diperiksa, "
                "disetujui dan diterbitkan, termasuk perlindungan identitas narasumber."),
}

ROLES = [  # id, title, description
    ("badan-pengurus", "Badan Pengurus", "Pemilik akhir website dan pengambil keputusan "
     "strategis, anggaran dan risiko."),
    ("koordinator", "Koordinator Website", "Staf yang mengelola website sehari-hari dari sisi "
     "manajemen dan pemilik dokumen SOP ini."),
    ("admin-web", "Administrator Website", "Pemegang peran **Administrator** di WordPress dan "
     "akses ke panel hosting."),
    ("editor", "Editor", "Pemegang peran **Editor** di WordPress yang menyunting, menyetujui "
     "dan menerbitkan konten."),
    ("penulis", "Penulis", "Staf atau relawan yang menulis dan mengunggah tulisannya sendiri."),
    ("mentor-tik", "Mentor TIK", "Pendamping teknologi informasi dari luar organisasi yang "
     "memberi nasihat teknis bila diminta."),
]

PILLAR_ROLES = {  # responsible roles, accountable roles, by pillar
    "management": (["koordinator", "badan-pengurus"], ["badan-pengurus"]),
    "technical": (["admin-web"], ["koordinator"]),
    "content": (["editor", "penulis"], ["editor", "koordinator"]),
}

TITLE_ACTIONS = {
    "management": ["Perencanaan", "Penetapan", "Peninjauan", "Pelaporan", "Pengelolaan",
                   "Penilaian", "Persetujuan", "Evaluasi"],
    "technical": ["Pembaruan", "Pencadangan", "Pemantauan", "Pengamanan", "Pemulihan",
                  "Pemeriksaan", "Pengujian", "Konfigurasi", "Pembersihan"],
    "content": ["Penulisan", "Penyuntingan", "Penerbitan", "Moderasi", "Peninjauan",
                "Pengarsipan", "Koreksi", "Penjadwalan", "Pemeriksaan"],
}

TITLE_OBJECTS = {
    "management": ["strategi website", "anggaran tahunan website", "peran dan hak akses",
                   "kontrak hosting dan domain", "inventaris aset digital", "risiko keamanan",
                   "laporan triwulan", "kebijakan privasi", "SOP website", "pelatihan tim",
                   "kerja sama dengan vendor", "data pribadi pengunjung",
                   "rencana keberlanjutan", "kredensial organisasi"],
    "technical": ["inti WordPress", "plugin", "tema dan tema anak", "basis data",
                  "berkas unggahan", "sertifikat TLS", "firewall aplikasi web",
                  "akun administrator", "autentikasi dua faktor", "catatan DNS",
                  "log keamanan", "situs staging", "cadangan luar server", "kinerja situs",
                  "perlindungan DDoS", "pemindaian malware"],
    "content": ["artikel opini", "liputan kegiatan", "komentar pembaca",
                "foto dan video narasumber", "kalender editorial", "naskah kontributor",
                "halaman statis", "teks alternatif gambar", "tautan keluar",
                "unggahan media sosial", "terjemahan artikel", "siaran pers",
                "konten sensitif"],
}

TITLE_QUALIFIERS = ["rutin", "darurat", "tahunan", "setelah insiden", "untuk relawan baru",
                    "di situs staging", "sebelum kampanye", "bulanan", "mingguan",
                    "lintas tim", "tahap awal", "lanjutan"]

VERBS = ["Periksa", "Buka", "Lengkapi", "Catat", "Unduh", "Perbarui", "Cadangkan",
         "Nonaktifkan", "Aktifkan", "Simpan", "Kirim", "Tinjau", "Bandingkan", "Hapus", "Uji",
         "Laporkan", "Setujui", "Sunting", "Terbitkan", "Jadwalkan", "Ganti", "Pulihkan",
         "Pindai", "Verifikasi", "Unggah", "Tandai", "Arsipkan", "Dokumentasikan"]

OBJECTS = ["cadangan basis data terbaru", "berkas di folder `wp-content/uploads`",
           "daftar plugin aktif", "akun pengguna WordPress yang tidak aktif",
           "kata sandi panel hosting", "log aktivitas administrator", "sertifikat TLS situs",
           "pengaturan UpdraftPlus", "draf artikel yang menunggu tinjauan",
           "kalender editorial bulan ini", "komentar yang menunggu moderasi",
           "foto narasumber", "metadata EXIF pada gambar", "tema anak (child theme)",
           "aturan firewall Wordfence", "catatan DNS domain", "inventaris aset digital",
           "laporan pemindaian malware", "kode cadangan autentikasi dua faktor",
           "naskah kontributor", "panduan gaya penulisan", "tautan yang rusak",
           "teks alternatif setiap gambar", "tagihan hosting", "notulen rapat tim website",
           "daftar risiko", "berkas `wp-config.php`", "berkas `.htaccess`",
           "versi PHP di server", "laporan kinerja situs", "formulir kontribusi",
           "persetujuan tertulis narasumber", "daftar kredensial di pengelola kata sandi"]

PLACES = ["di dasbor WordPress", "di **Pengaturan → Umum**",
          "melalui menu **Plugin → Plugin Terpasang**", "di panel cPanel",
          "di folder Google Drive organisasi", "di situs staging",
          "di Log Pemeliharaan Website", "di spreadsheet inventaris aset",
          "di kanal obrolan tim", "di kotak masuk alias tim website",
          "di tab **Backup / Restore** UpdraftPlus", "di dasbor Cloudflare",
          "di halaman **Komentar**", "di **Media → Pustaka**", "di pengelola kata sandi tim"]

TIMES = ["setiap hari kerja sebelum pukul 10.00 WIB", "setiap Jumat sore",
         "paling lambat 24 jam setelah pemberitahuan", "sebelum akhir bulan",
         "sekali setiap kuartal", "segera setelah perubahan", "sebelum menerbitkan",
         "pada malam hari di luar jam sibuk", "dalam tiga hari kerja", "setiap Senin pagi"]

CLAUSES = ["agar data tidak hilang bila server rusak",
           "sehingga kerentanan yang diketahui segera tertutup",
           "supaya identitas narasumber tetap terlindungi",
           "untuk memastikan situs tetap dapat diakses pembaca",
           "agar perubahan dapat dibatalkan bila terjadi masalah",
           "sehingga koordinator dapat melapor ke Badan Pengurus",
           "karena situs organisasi LGBT sering menjadi sasaran serangan",
           "sesuai UU 27/2022 tentang Pelindungan Data Pribadi",
           "agar tidak ada akun yang terlupakan", "supaya pembaca mendapat informasi yang benar"]

PASSIVES = ["diperiksa", "dicadangkan", "diperbarui", "ditinjau", "dicatat", "disetujui",
            "diarsipkan", "diamankan", "diuji", "dilaporkan"]

RISKS = ["kerusakan kecil dapat berubah menjadi kehilangan data berminggu-minggu",
         "akun yang terlupakan menjadi pintu masuk penyerang",
         "tulisan yang belum diperiksa dapat membahayakan narasumber",
         "anggaran habis sebelum kontrak hosting diperpanjang",
         "situs dapat lumpuh saat isu LGBT ramai diberitakan",
         "tim tidak tahu siapa yang harus bertindak ketika terjadi insiden"]

CONDITIONS = ["ukuran cadangan turun lebih dari 50 %",
              "ada plugin yang tidak lagi dirawat pengembangnya",
              "pembaruan gagal atau situs menampilkan galat",
              "komentar berisi ancaman atau data pribadi",
              "narasumber menarik persetujuannya",
              "sertifikat berlaku kurang dari 14 hari lagi",
              "pemindaian menemukan berkas mencurigakan",
              "staf keluar dari organisasi", "tagihan belum dibayar dalam tujuh hari"]

PRECONDITIONS = ["cadangan terbaru diperiksa", "koordinator memberi persetujuan tertulis",
                 "perubahan diuji di situs staging", "narasumber menyetujui naskah akhir",
                 "semua anggota tim diberi tahu", "kata sandi lama dicabut"]

EVENTS = ["ada laporan situs tidak dapat diakses",
          "WordPress merilis pembaruan keamanan",
          "staf baru bergabung atau staf keluar",
          "terjadi serangan atau pelecehan terhadap narasumber",
          "pembaca melaporkan kesalahan fakta",
          "penyedia hosting mengumumkan pemeliharaan server"]

TOOLS = ["Plugin UpdraftPlus (**Pengaturan → UpdraftPlus Backups**)",
         "Akun cPanel organisasi", "Plugin Wordfence Security", "Google Drive organisasi",
         "Aplikasi autentikator (Aegis atau Google Authenticator)", "Dasbor Cloudflare",
         "Spreadsheet Log Pemeliharaan Website", "Kalender editorial di Google Sheets",
         "Akun WordPress dengan peran Editor", "Pengelola kata sandi Bitwarden organisasi",
         "Situs staging `staging.suarakita.org`", "Klien SFTP (FileZilla)"]

RECORDS = ["Log Pemeliharaan Website", "Email laporan otomatis",
           "Notulen rapat bulanan", "Formulir persetujuan narasumber",
           "Tangkapan layar hasil pemeriksaan", "Laporan insiden"]

DURATIONS = ["90 hari", "satu tahun", "dua tahun", "selama kontrak berlaku", "lima tahun"]

REFERENCES = [
    ("WordPress Backups",
     "https://developer.wordpress.org/advanced-administration/security/backup/"),
    ("Hardening WordPress",
     "https://developer.wordpress.org/advanced-administration/security/hardening/"),
    ("Updating WordPress",
     "https://developer.wordpress.org/advanced-administration/upgrade/upgrading/"),
    ("Roles and Capabilities", "https://wordpress.org/documentation/article/roles-and-capabilities/"),
    ("UpdraftPlus", "https://wordpress.org/plugins/updraftplus/"),
    ("Wordfence Security", "https://wordpress.org/plugins/wordfence/"),
    ("Pedoman Pemberitaan Media Siber", "https://dewanpers.or.id/"),
    ("UU 27/2022 Pelindungan Data Pribadi", "https://peraturan.bpk.go.id/"),
    ("Web Content Accessibility Guidelines (WCAG) 2.2", "https://www.w3.org/TR/WCAG22/"),
]

GLOSSARY = [
    ("Autentikasi dua faktor (2FA)", "Cara masuk ke akun yang meminta dua bukti: kata sandi "
     "dan kode dari aplikasi autentikator di ponsel."),
    ("Basis data", "Tempat WordPress menyimpan tulisan, halaman, komentar, akun dan "
     "pengaturan, biasanya MySQL atau MariaDB."),
    ("Cadangan (backup)", "Salinan basis data dan berkas situs untuk memulihkan situs setelah "
     "rusak, diretas atau terhapus."),
    ("CDN", "Jaringan server yang menyimpan salinan halaman situs dan mengirimkannya dari "
     "lokasi terdekat dengan pembaca."),
    ("cPanel", "Panel kendali berbasis web untuk mengelola berkas, basis data, email dan "
     "cadangan di hosting."),
    ("DDoS", "Serangan yang membanjiri situs dengan permintaan dari ribuan perangkat sehingga "
     "situs tidak dapat diakses."),
    ("DNS", "Sistem yang menerjemahkan nama domain menjadi alamat IP server."),
    ("Doxing", "Penyebaran data pribadi seseorang tanpa izin untuk mengintimidasi atau "
     "membahayakannya."),
    ("Firewall aplikasi web (WAF)", "Penyaring yang menahan permintaan berbahaya sebelum "
     "sampai ke WordPress."),
    ("Hosting", "Layanan sewa server tempat berkas dan basis data situs disimpan."),
    ("Kalender editorial", "Jadwal bersama tentang apa yang akan diterbitkan, kapan dan oleh "
     "siapa."),
    ("Malware", "Kode jahat yang disisipkan ke situs untuk mencuri data atau menyebarkan "
     "spam."),
    ("Plugin", "Tambahan yang memberi WordPress fungsi baru; setiap plugin adalah kode yang "
     "harus diperbarui."),
    ("RPO", "*Recovery Point Objective*: berapa lama data paling banyak boleh hilang."),
    ("Situs staging", "Salinan situs untuk menguji perubahan sebelum diterapkan di situs "
     "produksi."),
    ("Tema anak (child theme)", "Tema yang mewarisi tema induk sehingga penyesuaian tidak "
     "hilang saat tema induk diperbarui."),
    ("TLS", "Enkripsi yang membuat alamat situs diawali `https://`."),
    ("UpdraftPlus", "Plugin pencadangan yang menyimpan cadangan ke Google Drive."),
]
