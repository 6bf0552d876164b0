"""Organizations across editions: sanctions (取消資格, 禁入期) and each NGO's history."""
